using System.Security.Cryptography;
using System.Text;
using Prometheus;
using SupportDesk.Infrastructure.Configuration;

namespace SupportDesk.Infrastructure.Metrics;

/// <summary>
/// Prometheus metrics at /metrics: HTTP duration histograms by route template and status (prometheus-net),
/// process memory and GC (its default collectors), and every .NET Meter — Npgsql's connection-pool usage
/// among them — through its meter adapter. Features add their own gauges (queue depths, open sockets).
/// Only clients in METRICS_ALLOW (loopback by default) or holding METRICS_TOKEN may read it; anyone else gets the
/// same 404 problem as a route that does not exist, so the endpoint's existence is not confirmed.
/// </summary>
public static class MetricsSetup
{
    public static IServiceCollection AddAppGauges(this IServiceCollection services) => services.AddSingleton<AppGauges>();

    public static WebApplication UseRequestMetrics(this WebApplication app)
    {
        app.UseHttpMetrics(options =>
        {
            // Route templates, not raw paths, so ids do not explode the label space.
            options.ReduceStatusCodeCardinality();
            // http_request_duration_seconds_count already counts every request with the same labels; the separate
            // counter was one more middleware and label lookup per request for the same number.
            options.RequestCount.Enabled = false;
        });
        return app;
    }

    public static WebApplication MapMetricsEndpoint(this WebApplication app)
    {
        var settings = app.Services.GetRequiredService<AppSettings>().Metrics;
        var gauges = app.Services.GetRequiredService<AppGauges>();
        // Hashed, so the constant-time comparison does not depend on (or reveal) the token's length.
        var tokenHash = settings.Token is { } token ? SHA256.HashData(Encoding.UTF8.GetBytes(token)) : null;

        app.MapMetrics("/metrics").AllowAnonymous().DisableRateLimiting().ExcludeFromDescription().WithMetadata(new MetricsEndpoint());
        // Runs after routing and forwarded headers, before the endpoint: the client address is the real one.
        app.Use(async (context, next) =>
        {
            if (context.GetEndpoint()?.Metadata.GetMetadata<MetricsEndpoint>() is not null)
            {
                if (!IsAllowed(context, settings.Allow, tokenHash))
                {
                    context.Response.StatusCode = StatusCodes.Status404NotFound; // the status code pages write the problem body
                    return;
                }
                await gauges.RefreshAsync(context.RequestAborted);
            }
            await next(context);
        });
        return app;
    }

    private static bool IsAllowed(HttpContext context, IReadOnlyList<System.Net.IPNetwork> allow, byte[]? tokenHash)
    {
        if (context.Connection.RemoteIpAddress is { } address)
        {
            var client = address.IsIPv4MappedToIPv6 ? address.MapToIPv4() : address;
            if (allow.Any(network => network.Contains(client)))
                return true;
        }
        var header = context.Request.Headers.Authorization.ToString();
        return tokenHash is not null
            && header.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase)
            && CryptographicOperations.FixedTimeEquals(SHA256.HashData(Encoding.UTF8.GetBytes(header["Bearer ".Length..].Trim())), tokenHash);
    }

    private sealed class MetricsEndpoint;
}
