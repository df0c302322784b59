using Dapper;
using Npgsql;
using Prometheus;
using SupportDesk.Infrastructure.Realtime;

namespace SupportDesk.Infrastructure.Metrics;

/// <summary>
/// Gauges read when /metrics is scraped: open WebSockets on this instance and the email outbox's depth by status.
/// </summary>
public static class AppGauges
{
    private const string OutboxSql = "SELECT status, count(*) AS count FROM email_outbox WHERE status <> 'sent' GROUP BY status";
    private static readonly string[] OutboxStatuses = ["pending", "sending", "failed"];

    private static readonly Gauge WebSockets = Prometheus.Metrics.CreateGauge(
        "supportdesk_websocket_connections", "Open WebSocket connections on this instance.");
    private static readonly Gauge Outbox = Prometheus.Metrics.CreateGauge(
        "supportdesk_email_outbox", "Emails waiting in the outbox (shared by all instances), by status.", "status");

    // The registry is process-wide; the newest running app's services answer (tests host several apps in one process).
    private static readonly List<IServiceProvider> Running = [];
    private static int _registered;

    public static WebApplication UseAppGauges(this WebApplication app)
    {
        lock (Running)
            Running.Add(app.Services);
        app.Lifetime.ApplicationStopping.Register(() =>
        {
            lock (Running)
                Running.Remove(app.Services);
        });
        if (Interlocked.Exchange(ref _registered, 1) == 0)
            Prometheus.Metrics.DefaultRegistry.AddBeforeCollectCallback(CollectAsync);
        return app;
    }

    private static async Task CollectAsync(CancellationToken ct)
    {
        IServiceProvider? services;
        lock (Running)
            services = Running.LastOrDefault();
        if (services is null)
            return;
        try
        {
            WebSockets.Set(services.GetRequiredService<RealtimeHub>().Count);
            await using var connection = await services.GetRequiredService<NpgsqlDataSource>().OpenConnectionAsync(ct);
            var counts = (await connection.QueryAsync<(string Status, long Count)>(new CommandDefinition(OutboxSql, cancellationToken: ct)))
                .ToDictionary(r => r.Status, r => r.Count);
            foreach (var status in OutboxStatuses)
                Outbox.WithLabels(status).Set(counts.GetValueOrDefault(status));
        }
        catch (Exception e) when (e is NpgsqlException or ObjectDisposedException or OperationCanceledException or InvalidOperationException)
        {
            // A scrape must never fail because the database is away; the gauges keep their last values.
        }
    }
}
