using Dapper;
using Npgsql;
using SupportDesk.Infrastructure.Configuration;

namespace SupportDesk.Infrastructure.Realtime;

/// <summary>Deletes realtime_events rows older than REALTIME_EVENT_RETENTION_SECONDS, in small batches.</summary>
public sealed class RealtimeEventsCleanup(
    AppSettings settings, NpgsqlDataSource dataSource, TimeProvider clock, ILogger<RealtimeEventsCleanup> logger) : BackgroundService
{
    private const int BatchSize = 5000;  // keep in step with the LIMIT below

    // Batches keep each transaction short; every instance may run this at once, harmlessly.
    private const string Sql = """
        DELETE FROM realtime_events
        WHERE id IN (SELECT id FROM realtime_events WHERE occurred_at < @Cutoff LIMIT 5000)
        """;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var retention = TimeSpan.FromSeconds(settings.Realtime.EventRetentionSeconds);
        var interval = TimeSpan.FromTicks(Math.Clamp(retention.Ticks / 4, TimeSpan.FromSeconds(15).Ticks, TimeSpan.FromHours(1).Ticks));
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                var deleted = await DeleteExpiredAsync(stoppingToken);
                if (deleted > 0)
                    logger.LogInformation("Deleted {Count} expired realtime events", deleted);
                await Task.Delay(interval, clock, stoppingToken);
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                break;
            }
            catch (Exception e) when (e is NpgsqlException or TimeoutException)
            {
                logger.LogWarning("Realtime events cleanup failed: {Message}", e.Message);
                await Task.Delay(interval, clock, stoppingToken).ContinueWith(_ => { }, TaskScheduler.Default);
            }
        }
    }

    public async Task<int> DeleteExpiredAsync(CancellationToken ct)
    {
        var cutoff = clock.GetUtcNow() - TimeSpan.FromSeconds(settings.Realtime.EventRetentionSeconds);
        var total = 0;
        await using var connection = await dataSource.OpenConnectionAsync(ct);
        while (true)
        {
            var deleted = await connection.ExecuteAsync(new CommandDefinition(Sql, new { Cutoff = cutoff }, cancellationToken: ct));
            total += deleted;
            if (deleted < BatchSize)
                return total;
        }
    }
}
