using System.Globalization;
using System.Net.WebSockets;
using System.Security.Claims;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.JwtBearer;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Extensions.Primitives;
using Npgsql;
using SupportDesk.Infrastructure.Auth;
using SupportDesk.Infrastructure.Configuration;
using SupportDesk.Infrastructure.RateLimiting;

namespace SupportDesk.Infrastructure.Realtime;

/// <summary>
/// The upgrade of /ws: the token (Authorization header, ?access_token= or the subprotocol offer), the rate limit and
/// the connection limits, then the socket's life in <see cref="RealtimeConnection"/>.
/// </summary>
public static class RealtimeHandshake
{
    /// <summary>The subprotocol a browser offers with its token: new WebSocket(url, ["access_token", jwt]).</summary>
    public const string TokenSubprotocol = "access_token";

    /// <summary>The token from a Sec-WebSocket-Protocol offer "access_token, &lt;jwt&gt;", if there is one.</summary>
    public static string? TokenFromSubprotocols(StringValues headerValues)
    {
        var offered = headerValues
            .SelectMany(v => (v ?? "").Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries))
            .ToList();
        var at = offered.IndexOf(TokenSubprotocol);
        return at >= 0 && at + 1 < offered.Count ? offered[at + 1] : null;
    }

    internal static IResult NotAnUpgrade() =>
        TypedResults.Problem(statusCode: StatusCodes.Status400BadRequest, title: "WebSocket upgrade required",
            detail: "GET /ws only accepts WebSocket upgrade requests.");

    private sealed record Accepted(WebSocket Socket, CurrentUser User, int TokenVersion, DateTimeOffset? Expires);

    internal static async Task AcceptAsync(HttpContext http, IServiceProvider services)
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
                settings.Realtime.MaxMessageBytes, hub, logger) { Groups = await hub.GroupsOfAsync(user, http.RequestAborted) };
            hub.Add(connection);
            logger.LogInformation("WebSocket {SocketId} opened for user {UserId}", connection.Id, user.Id);
            try
            {
                await hub.LoadSharedOrganizationAsync(connection, http.RequestAborted);
            }
            catch (NpgsqlException e)
            {
                // The socket then hears only the user's own tickets until the next user check reads it.
                logger.LogWarning(e, "Could not read the organization of WebSocket {SocketId}", connection.Id);
            }
            catch (OperationCanceledException) when (http.RequestAborted.IsCancellationRequested)
            {
                return; // the client is gone already
            }

            var clock = services.GetRequiredService<TimeProvider>();
            var opened = clock.GetTimestamp();
            await connection.RunAsync();
            logger.LogInformation("WebSocket {SocketId} of user {UserId} closed after {Seconds:0} s ({CloseStatus})",
                connection.Id, user.Id, clock.GetElapsedTime(opened).TotalSeconds, connection.CloseStatus);
        }
        finally
        {
            if (connection is not null)
            {
                // A client that left while its socket was being set up (the organization read is cancelled with the
                // request) never ran: it closes as gone, not as a socket still open, before it leaves the hub.
                connection.Close(WebSocketCloseStatus.EndpointUnavailable, "");
                hub.Remove(connection);
            }
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
            var subprotocol = http.WebSockets.WebSocketRequestedProtocols.Contains(TokenSubprotocol)
                ? TokenSubprotocol
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
