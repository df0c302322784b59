using System.Globalization;
using System.Net.WebSockets;
using System.Security.Claims;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.JwtBearer;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Extensions.Primitives;
using SupportDesk.Infrastructure.Auth;
using SupportDesk.Infrastructure.OpenApi;
using SupportDesk.Infrastructure.Configuration;
using SupportDesk.Infrastructure.RateLimiting;

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

    /// <summary>
    /// WebSocket upgrades of /ws, handled ahead of the rest of the pipeline. A socket's request lasts for hours, and
    /// every middleware it passes keeps its state for that long: the logging, metrics, authentication, authorization
    /// and rate-limiting middleware, the request's service scope and the validated principal came to about 5 KB per
    /// socket, 50 MB at 10,000 sockets. Here the token is validated by the same JwtBearer handler (same events, same
    /// database check) in a scope that is disposed once the upgrade is answered, and the request draws on the same
    /// rate limit. Call it early, after the forwarded-headers and response-header middleware.
    /// </summary>
    public static WebApplication UseRealtimeSockets(this WebApplication app)
    {
        app.UseWebSockets();
        var services = app.Services;
        app.Use(next => http =>
            http.WebSockets.IsWebSocketRequest && http.Request.Path.Equals(WebSocketPath, StringComparison.OrdinalIgnoreCase)
                ? RealtimeEndpoint.AcceptAsync(http, services)
                : next(http));
        return app;
    }

    /// <summary>The route itself answers what is not an upgrade (400, or 401 without a token), and documents /ws.</summary>
    public static WebApplication MapRealtime(this WebApplication app)
    {
        app.MapGet(WebSocketPath, RealtimeEndpoint.NotAnUpgrade)
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
    public static IResult NotAnUpgrade() =>
        TypedResults.Problem(statusCode: StatusCodes.Status400BadRequest, title: "WebSocket upgrade required",
            detail: "GET /ws only accepts WebSocket upgrade requests.");

    private sealed record Accepted(WebSocket Socket, CurrentUser User, int TokenVersion, DateTimeOffset? Expires);

    public static async Task AcceptAsync(HttpContext http, IServiceProvider services)
    {
        var hub = services.GetRequiredService<RealtimeHub>();
        var settings = services.GetRequiredService<AppSettings>();
        Accepted? accepted;
        // Request-scoped services (the authentication handler and its result among them) live only for the handshake.
        await using (var scope = services.CreateAsyncScope())
        {
            http.RequestServices = scope.ServiceProvider;
            try
            {
                accepted = await HandshakeAsync(http, hub, settings, services.GetRequiredService<GlobalRateLimiter>());
            }
            catch (Exception e) when (e is IOException or OperationCanceledException && http.RequestAborted.IsCancellationRequested)
            {
                return; // the client left mid-handshake
            }
            finally
            {
                http.RequestServices = services;
            }
        }
        if (accepted is null)
            return;

        var (socket, user, version, expires) = accepted;
        RealtimeConnection? connection = null;
        try
        {
            // Nothing reads the handshake's headers (the token among them) again; every open socket need not hold them.
            http.Request.Headers.Clear();
            var logger = services.GetRequiredService<ILogger<RealtimeConnection>>();
            connection = new RealtimeConnection(socket, user, version, expires, settings.Realtime.SendQueueCapacity,
                settings.Realtime.MaxMessageBytes, hub, logger);
            hub.Add(connection);
            logger.LogInformation("WebSocket {SocketId} opened for user {UserId}", connection.Id, user.Id);

            var clock = services.GetRequiredService<TimeProvider>();
            var opened = clock.GetTimestamp();
            await connection.RunAsync();
            logger.LogInformation("WebSocket {SocketId} of user {UserId} closed after {Seconds:0} s ({CloseStatus})",
                connection.Id, user.Id, clock.GetElapsedTime(opened).TotalSeconds, connection.CloseStatus);
        }
        finally
        {
            if (connection is not null)
                hub.Remove(connection);
            hub.Release(user.Id);
            socket.Dispose();
        }
    }

    /// <summary>Authenticates, applies the rate limit and the connection limits, and upgrades; null after writing a problem.</summary>
    private static async Task<Accepted?> HandshakeAsync(HttpContext http, RealtimeHub hub, AppSettings settings, GlobalRateLimiter rateLimiter)
    {
        var auth = await http.AuthenticateAsync(JwtBearerDefaults.AuthenticationScheme);
        if (!auth.Succeeded || auth.Principal is not { } principal)
        {
            await http.ChallengeAsync(JwtBearerDefaults.AuthenticationScheme);
            await WriteProblemAsync(http, new ProblemDetails { Status = StatusCodes.Status401Unauthorized });
            return null;
        }

        // The rate limit's partition is the user, read from User; the principal is not kept past the handshake (null:
        // reading User back would make and keep an empty principal).
        http.User = principal;
        var allowed = await rateLimiter.TryAcquireAsync(http);
        http.User = null!;
        if (!allowed)
            return null;

        var user = principal.ToCurrentUser();
        var version = int.Parse(principal.FindFirstValue(TokenClaims.Version)!, CultureInfo.InvariantCulture);
        var expires = long.TryParse(principal.FindFirstValue("exp"), out var exp) ? DateTimeOffset.FromUnixTimeSeconds(exp) : (DateTimeOffset?)null;

        switch (hub.TryReserve(user.Id))
        {
            case ConnectionSlot.UserLimitReached:
                http.Response.Headers.RetryAfter = "30";
                await WriteProblemAsync(http, new ProblemDetails { Status = StatusCodes.Status429TooManyRequests, Title = "Too many connections",
                    Detail = $"At most {settings.Realtime.MaxConnectionsPerUser} open WebSockets per user; close one first." });
                return null;
            case ConnectionSlot.ServerFull:
                http.Response.Headers.RetryAfter = "30";
                await WriteProblemAsync(http, new ProblemDetails { Status = StatusCodes.Status503ServiceUnavailable, Title = "Server full",
                    Detail = "This server has no room for more WebSockets right now; try again shortly." });
                return null;
        }

        try
        {
            var subprotocol = http.WebSockets.WebSocketRequestedProtocols.Contains(RealtimeSetup.TokenSubprotocol)
                ? RealtimeSetup.TokenSubprotocol
                : null;
            var socket = await http.WebSockets.AcceptWebSocketAsync(new WebSocketAcceptContext { SubProtocol = subprotocol });
            return new Accepted(socket, user, version, expires);
        }
        catch
        {
            hub.Release(user.Id);
            throw;
        }
    }

    private static async Task WriteProblemAsync(HttpContext http, ProblemDetails problem)
    {
        http.Response.StatusCode = problem.Status!.Value;
        await http.RequestServices.GetRequiredService<IProblemDetailsService>()
            .WriteAsync(new ProblemDetailsContext { HttpContext = http, ProblemDetails = problem });
    }
}
