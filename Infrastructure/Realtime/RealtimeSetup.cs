using SupportDesk.Infrastructure.Auth;
using SupportDesk.Infrastructure.Configuration;
using SupportDesk.Infrastructure.OpenApi;

namespace SupportDesk.Infrastructure.Realtime;

public static class RealtimeSetup
{
    public const string WebSocketPath = "/ws";

    public static IServiceCollection AddRealtime(this IServiceCollection services, AppSettings settings)
    {
        services.AddSingleton<RealtimeEvents>();
        services.AddSingleton<RealtimeHub>();
        services.AddSingleton<RealtimeUserMonitor>();
        services.AddSingleton<RealtimeListener>();
        services.AddSingleton<RealtimeEventsCleanup>();
        services.AddHostedService(sp => sp.GetRequiredService<RealtimeListener>());
        services.AddHostedService(sp => sp.GetRequiredService<RealtimeUserMonitor>());
        services.AddHostedService(sp => sp.GetRequiredService<RealtimeEventsCleanup>());
        services.Configure<WebSocketOptions>(options =>
        {
            options.KeepAliveInterval = TimeSpan.FromSeconds(settings.Realtime.KeepAliveSeconds);
            // A client that does not answer a ping within this time is dropped.
            options.KeepAliveTimeout = TimeSpan.FromSeconds(settings.Realtime.KeepAliveTimeoutSeconds);
        });
        return services;
    }

    /// <summary>
    /// WebSocket upgrades of /ws, handled ahead of the rest of the pipeline. A socket's request lasts for hours, and
    /// every middleware it passes keeps its state for that long: the logging, metrics, authentication, authorization
    /// and rate-limiting middleware, the request's service scope and the validated principal add up to kilobytes per
    /// socket (bench/README.md, WebSocket). Here the token is validated by the same JwtBearer handler (same events, same
    /// database check) in a scope that is disposed once the upgrade is answered, and the request draws on the same
    /// rate limit. Call it early, after the forwarded-headers and response-header middleware.
    /// </summary>
    public static WebApplication UseRealtimeSockets(this WebApplication app)
    {
        app.UseWebSockets();
        var services = app.Services;
        app.Use(next => http =>
            http.WebSockets.IsWebSocketRequest && http.Request.Path.Equals(WebSocketPath, StringComparison.OrdinalIgnoreCase)
                ? RealtimeHandshake.AcceptAsync(http, services)
                : next(http));
        return app;
    }

    /// <summary>The route itself answers what is not an upgrade (400, or 401 without a token), and documents /ws.</summary>
    public static WebApplication MapRealtime(this WebApplication app)
    {
        app.MapGet(WebSocketPath, RealtimeHandshake.NotAnUpgrade)
            .RequireAuthorization(Policies.Authenticated)
            .WithTags("Realtime")
            .WithName("RealtimeWebSocket")
            .WithSummary("Live event stream (WebSocket).")
            .WithDescription("Upgrade to a WebSocket. Token: Authorization header, ?access_token=, or subprotocols [\"access_token\", token]. See README, \"Real-time events\".")
            .WithProblemResponses();
        return app;
    }
}
