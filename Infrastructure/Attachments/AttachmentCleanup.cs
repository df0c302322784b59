using Dapper;
using Npgsql;
using SupportDesk.Infrastructure.Configuration;

namespace SupportDesk.Infrastructure.Attachments;

/// <summary>
/// Deletes uploads no comment or new ticket took within ATTACHMENTS_UNLINKED_HOURS, then the bytes no row points at and staging
/// files of uploads that died. Every instance may run it at once, harmlessly.
/// </summary>
public sealed class AttachmentCleanup(AppSettings settings, NpgsqlDataSource dataSource, IAttachmentStore store, TimeProvider clock,
    ILogger<AttachmentCleanup> logger) : BackgroundService
{
    // Bytes younger than this may belong to an upload whose row is about to commit.
    internal static readonly TimeSpan FileGrace = TimeSpan.FromHours(1);

    internal const string DeleteExpiredSql = """
        DELETE FROM attachments
        WHERE id IN (SELECT id FROM attachments WHERE comment_id IS NULL AND NOT on_ticket AND created_at < @Cutoff LIMIT 5000)
        """;

    internal const string ReferencedSql = "SELECT DISTINCT sha256 FROM attachments WHERE sha256 = ANY(@Hashes)";

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var interval = TimeSpan.FromTicks(Math.Clamp(settings.Attachments.UnlinkedLifetime.Ticks / 4, TimeSpan.FromMinutes(1).Ticks, TimeSpan.FromHours(1).Ticks));
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await Task.Delay(interval, clock, stoppingToken);
                await RunOnceAsync(FileGrace, stoppingToken);
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                break;
            }
            catch (Exception e) when (e is NpgsqlException or TimeoutException or IOException)
            {
                logger.LogWarning("Attachment cleanup failed: {Message}", e.Message);
            }
        }
    }

    /// <summary>One round: expired rows, then orphan files older than <paramref name="fileGrace"/>. Returns (rows, files).</summary>
    public async Task<(int Rows, int Files)> RunOnceAsync(TimeSpan fileGrace, CancellationToken ct)
    {
        var now = clock.GetUtcNow();
        int rows;
        await using (var connection = await dataSource.OpenConnectionAsync(ct))
            rows = await connection.ExecuteAsync(new CommandDefinition(DeleteExpiredSql,
                new { Cutoff = (now - settings.Attachments.UnlinkedLifetime).UtcDateTime }, cancellationToken: ct));
        var files = await store.DeleteOrphansAsync(async hashes =>
        {
            await using var connection = await dataSource.OpenConnectionAsync(ct);
            var found = await connection.QueryAsync<string>(new CommandDefinition(ReferencedSql, new { Hashes = hashes.ToArray() }, cancellationToken: ct));
            return found.ToHashSet(StringComparer.Ordinal);
        }, now - fileGrace, ct);
        if (rows > 0 || files > 0)
            logger.LogInformation("Deleted {Rows} expired attachments and {Files} orphan files", rows, files);
        return (rows, files);
    }
}

public static class AttachmentSetup
{
    public static IServiceCollection AddAttachmentStorage(this IServiceCollection services, AppSettings settings)
    {
        services.AddSingleton<IAttachmentStore>(new LocalDiskAttachmentStore(settings.Attachments));
        services.AddSingleton(new ClamAvScanner(settings.Attachments));
        services.AddSingleton<AttachmentCleanup>();
        services.AddHostedService(sp => sp.GetRequiredService<AttachmentCleanup>());
        return services;
    }
}
