using Prometheus;

namespace SupportDesk.Infrastructure.Metrics;

/// <summary>
/// Prometheus metrics at /metrics: HTTP duration histograms by route template and status (prometheus-net),
/// process memory and GC (its default collectors), and every .NET Meter — Npgsql's connection-pool usage
/// among them — through its meter adapter. Features add their own gauges (queue depths, open sockets).
/// </summary>
public static class MetricsSetup
{
    public static WebApplication UseRequestMetrics(this WebApplication app)
    {
        app.UseHttpMetrics(options =>
        {
            // Route templates, not raw paths, so ids do not explode the label space.
            options.ReduceStatusCodeCardinality();
        });
        return app;
    }

    public static WebApplication MapMetricsEndpoint(this WebApplication app)
    {
        app.MapMetrics("/metrics").AllowAnonymous().DisableRateLimiting().ExcludeFromDescription();
        app.UseAppGauges();
        return app;
    }
}
