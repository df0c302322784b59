using System.Net.WebSockets;
using System.Security.Claims;
using Microsoft.Extensions.Primitives;
using SupportDesk.Infrastructure.Auth;
using SupportDesk.Infrastructure.OpenApi;
using SupportDesk.Infrastructure.Configuration;

namespace SupportDesk.Infrastructure.Realtime;

public static class RealtimeSetup
{
    public const string WebSocketPath = "/ws";
    /// <summary>The subprotocol a browser offers with its token: new WebSocket(url, ["access_token", jwt]).</summary>
    public const string TokenSubprotocol = "access_token";

    public static IServiceCollection AddRealtime(this IServiceCollection services, AppSettings settings)
    {
        services.AddSingleton<RealtimeEvents>();
        services.AddSingleton<Notifications>();
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

    public static WebApplication MapRealtime(this WebApplication app)
    {
        app.UseWebSockets();
        app.MapGet(WebSocketPath, RealtimeEndpoint.HandleAsync)
            .RequireAuthorization(Policies.Authenticated)
            .WithTags("Realtime")
            .WithName("RealtimeWebSocket")
            .WithSummary("Live event stream (WebSocket).")
            .WithDescription("Upgrade to a WebSocket. Token: Authorization header, ?access_token=, or subprotocols [\"access_token\", token]. See README, \"Real-time events\".")
            .WithProblemResponses();
        return app;
    }

    /// <summary>The token from a Sec-WebSocket-Protocol offer "access_token, &lt;jwt&gt;", if there is one.</summary>
    public static string? TokenFromSubprotocols(StringValues headerValues)
    {
        var offered = headerValues
            .SelectMany(v => (v ?? "").Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries))
            .ToList();
        var at = offered.IndexOf(TokenSubprotocol);
        return at >= 0 && at + 1 < offered.Count ? offered[at + 1] : null;
    }
}

internal static class RealtimeEndpoint
{
    public static async Task<IResult> HandleAsync(
        HttpContext http, RealtimeHub hub, AppSettings settings, TimeProvider clock, ILogger<RealtimeConnection> logger)
    {
        if (!http.WebSockets.IsWebSocketRequest)
        {
            return TypedResults.Problem(statusCode: StatusCodes.Status400BadRequest, title: "WebSocket upgrade required",
                detail: "GET /ws only accepts WebSocket upgrade requests.");
        }

        var user = http.User.ToCurrentUser();
        var version = int.Parse(http.User.FindFirstValue(TokenClaims.Version)!, System.Globalization.CultureInfo.InvariantCulture);
        var expires = long.TryParse(http.User.FindFirstValue("exp"), out var exp) ? DateTimeOffset.FromUnixTimeSeconds(exp) : (DateTimeOffset?)null;

        switch (hub.TryReserve(user.Id))
        {
            case ConnectionSlot.UserLimitReached:
                http.Response.Headers.RetryAfter = "30";
                return TypedResults.Problem(statusCode: StatusCodes.Status429TooManyRequests, title: "Too many connections",
                    detail: $"At most {settings.Realtime.MaxConnectionsPerUser} open WebSockets per user; close one first.");
            case ConnectionSlot.ServerFull:
                http.Response.Headers.RetryAfter = "30";
                return TypedResults.Problem(statusCode: StatusCodes.Status503ServiceUnavailable, title: "Server full",
                    detail: "This server has no room for more WebSockets right now; try again shortly.");
        }

        RealtimeConnection? connection = null;
        try
        {
            var subprotocol = http.WebSockets.WebSocketRequestedProtocols.Contains(RealtimeSetup.TokenSubprotocol)
                ? RealtimeSetup.TokenSubprotocol
                : null;
            using var socket = await http.WebSockets.AcceptWebSocketAsync(new WebSocketAcceptContext { SubProtocol = subprotocol });
            // The request lives as long as the socket, for hours; nothing reads the handshake's headers (the token among
            // them) again, so their strings need not be held by every open socket.
            http.Request.Headers.Clear();
            connection = new RealtimeConnection(socket, user, version, settings.Realtime.SendQueueCapacity,
                settings.Realtime.MaxMessageBytes, hub.MaySeeTicketAsync, logger);
            hub.Add(connection);

            // The socket may not outlive its token.
            var current = connection;
            using var expiry = expires is { } at
                ? clock.CreateTimer(_ => current.Close(WebSocketCloseStatus.PolicyViolation, "Token expired: sign in again"),
                    null, Max(at - clock.GetUtcNow(), TimeSpan.Zero), Timeout.InfiniteTimeSpan)
                : null;

            await connection.RunAsync();
        }
        finally
        {
            if (connection is not null)
                hub.Remove(connection);
            hub.Release(user.Id);
        }
        return Results.Empty;
    }

    private static TimeSpan Max(TimeSpan a, TimeSpan b) => a > b ? a : b;
}
