using Dapper;
using Npgsql;
using Prometheus;
using SupportDesk.Infrastructure.Configuration;
using SupportDesk.Infrastructure.Realtime;

namespace SupportDesk.Infrastructure.Metrics;

/// <summary>
/// Gauges refreshed when /metrics is scraped: open WebSockets on this instance (free to read, always current) and the
/// email outbox's depth by status, which costs a GROUP BY and is therefore queried at most once per
/// METRICS_CACHE_SECONDS, however often (and however many scrapers at once) /metrics is read.
/// </summary>
public sealed class AppGauges(NpgsqlDataSource dataSource, RealtimeHub hub, AppSettings settings, TimeProvider clock)
{
    private const string OutboxSql = "SELECT status, count(*) AS count FROM email_outbox WHERE status <> 'sent' GROUP BY status";
    private static readonly string[] OutboxStatuses = ["pending", "sending", "failed"];

    private static readonly Gauge WebSockets = Prometheus.Metrics.CreateGauge(
        "supportdesk_websocket_connections", "Open WebSocket connections on this instance.");
    private static readonly Gauge Outbox = Prometheus.Metrics.CreateGauge(
        "supportdesk_email_outbox", "Emails waiting in the outbox (shared by all instances), by status.", "status");

    private readonly TimeSpan _cacheFor = TimeSpan.FromSeconds(settings.Metrics.CacheSeconds);
    private readonly SemaphoreSlim _refreshing = new(1, 1);
    private long _queriedAt; // a timestamp; 0: never
    private int _outboxQueries;

    /// <summary>How many times the outbox was queried (for tests of the cache).</summary>
    internal int OutboxQueries => Volatile.Read(ref _outboxQueries);

    public async Task RefreshAsync(CancellationToken ct)
    {
        WebSockets.Set(hub.Count);
        if (IsFresh())
            return;
        await _refreshing.WaitAsync(ct);
        try
        {
            // A concurrent scrape may have refreshed while this one waited.
            if (IsFresh())
                return;
            Volatile.Write(ref _queriedAt, clock.GetTimestamp());
            Interlocked.Increment(ref _outboxQueries);
            await using var connection = await dataSource.OpenConnectionAsync(ct);
            var counts = (await connection.QueryAsync<(string Status, long Count)>(new CommandDefinition(OutboxSql, cancellationToken: ct)))
                .ToDictionary(r => r.Status, r => r.Count);
            foreach (var status in OutboxStatuses)
                Outbox.WithLabels(status).Set(counts.GetValueOrDefault(status));
        }
        catch (Exception e) when (e is NpgsqlException or ObjectDisposedException or OperationCanceledException or InvalidOperationException)
        {
            // A scrape must never fail because the database is away; the gauges keep their last values until the next window.
        }
        finally
        {
            _refreshing.Release();
        }
    }

    private bool IsFresh() => Volatile.Read(ref _queriedAt) is var at && at != 0 && clock.GetElapsedTime(at) < _cacheFor;
}
