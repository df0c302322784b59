using Dapper;
using Npgsql;

namespace SupportDesk.Infrastructure.Database;

/// <summary>
/// Deletes rows older than a retention, in batches of at most <see cref="BatchSize"/> so each transaction stays
/// short. Every instance may run it at once, harmlessly. A retention of zero keeps everything.
/// </summary>
public abstract class RetentionJob(NpgsqlDataSource dataSource, TimeProvider clock, ILogger logger) : BackgroundService
{
    protected const int BatchSize = 5000;

    /// <summary>What is deleted, for the log ("expired realtime events").</summary>
    protected abstract string What { get; }

    protected abstract TimeSpan Retention { get; }

    /// <summary>A DELETE of at most <see cref="BatchSize"/> rows older than @Cutoff.</summary>
    protected abstract string DeleteBatchSql { get; }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (Retention <= TimeSpan.Zero)
            return;
        var interval = TimeSpan.FromTicks(Math.Clamp(Retention.Ticks / 4, TimeSpan.FromSeconds(15).Ticks, TimeSpan.FromHours(1).Ticks));
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                var deleted = await DeleteExpiredAsync(stoppingToken);
                if (deleted > 0)
                    logger.LogInformation("Deleted {Count} {What}", deleted, What);
                await Task.Delay(interval, clock, stoppingToken);
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                break;
            }
            catch (Exception e) when (e is NpgsqlException or TimeoutException)
            {
                logger.LogWarning("Deleting {What} failed: {Message}", What, e.Message);
                await Task.Delay(interval, clock, stoppingToken).ContinueWith(_ => { }, TaskScheduler.Default);
            }
        }
    }

    public async Task<int> DeleteExpiredAsync(CancellationToken ct)
    {
        var cutoff = clock.GetUtcNow() - Retention;
        var total = 0;
        await using var connection = await dataSource.OpenConnectionAsync(ct);
        while (true)
        {
            var deleted = await connection.ExecuteAsync(new CommandDefinition(DeleteBatchSql, new { Cutoff = cutoff }, cancellationToken: ct));
            total += deleted;
            if (deleted < BatchSize)
                return total;
        }
    }
}
