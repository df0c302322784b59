using Npgsql;
using SupportDesk.Infrastructure.Configuration;
using SupportDesk.Infrastructure.Database;

namespace SupportDesk.Infrastructure.Realtime;

/// <summary>Deletes realtime_events rows older than REALTIME_EVENT_RETENTION_SECONDS.</summary>
public sealed class RealtimeEventsCleanup(
    AppSettings settings, NpgsqlDataSource dataSource, TimeProvider clock, ILogger<RealtimeEventsCleanup> logger)
    : RetentionJob(dataSource, clock, logger)
{
    protected override string What => "expired realtime events";

    protected override TimeSpan Retention => TimeSpan.FromSeconds(settings.Realtime.EventRetentionSeconds);

    protected override string DeleteBatchSql => $"""
        DELETE FROM realtime_events
        WHERE id IN (SELECT id FROM realtime_events WHERE occurred_at < @Cutoff LIMIT {BatchSize})
        """;
}
