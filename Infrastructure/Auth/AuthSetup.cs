using System.Security.Claims;
using Microsoft.AspNetCore.Authentication.JwtBearer;
using Microsoft.AspNetCore.Authorization.Policy;
using Microsoft.AspNetCore.Authorization;
using Npgsql;
using SupportDesk.Infrastructure.Configuration;
using SupportDesk.Infrastructure.Realtime;

namespace SupportDesk.Infrastructure.Auth;

public static class AuthSetup
{
    // The token is only half the story: the user's current row decides whether it still counts and with which role.
    internal const string UserStateSql = """
        SELECT role, is_active, token_version, restricted_to_groups
        FROM users
        WHERE id = @Id
        """;

    public static IServiceCollection AddJwtAuth(this IServiceCollection services, AppSettings settings)
    {
        services.AddSingleton<TokenIssuer>();
        services.AddSingleton<PasswordHasher>();
        services.AddSingleton<RefreshTokens>();
        services.AddSingleton<UserStateCache>();
        services.AddSingleton<UserChangeListener>();
        services.AddHostedService(sp => sp.GetRequiredService<UserChangeListener>());

        services.AddAuthentication(JwtBearerDefaults.AuthenticationScheme)
            .AddJwtBearer(options =>
            {
                options.MapInboundClaims = false;
                options.TokenHandlers.Clear();
                options.TokenHandlers.Add(new ValidatedTokenHandler { MapInboundClaims = false });
                // Nothing reads the token back from the authentication properties; a WebSocket would hold a copy for its whole life.
                options.SaveToken = false;
                options.RequireHttpsMetadata = false;
                options.Events = new JwtBearerEvents
                {
                    OnMessageReceived = ReadWebSocketToken,
                    OnTokenValidated = ValidateAgainstDatabaseAsync,
                };
            });

        // Validation parameters come from the same TokenIssuer that signs, so the two can never disagree.
        services.AddOptions<JwtBearerOptions>(JwtBearerDefaults.AuthenticationScheme)
            .Configure<TokenIssuer>((options, issuer) => options.TokenValidationParameters = issuer.ValidationParameters());

        services.AddAuthorizationBuilder()
            .AddPolicy(Policies.Authenticated, p => p.RequireAuthenticatedUser())
            .AddPolicy(Policies.AgentOrAdmin, p => p.RequireAuthenticatedUser().RequireRole(Roles.Agent, Roles.Admin))
            .AddPolicy(Policies.Admin, p => p.RequireAuthenticatedUser().RequireRole(Roles.Admin))
            // Deny by default: a route that forgets to declare its policy still needs a signed-in user.
            .SetFallbackPolicy(new AuthorizationPolicyBuilder().RequireAuthenticatedUser().Build());

        services.AddSingleton<IAuthorizationMiddlewareResultHandler, RouteAwareAuthorizationResultHandler>();

        return services;
    }

    /// <summary>
    /// The fallback policy guards every route. The framework's own answers for an unknown path, a wrong method or
    /// a wrong content type (404/405/415) are not routes: they answer as themselves instead of 401.
    /// </summary>
    private sealed class RouteAwareAuthorizationResultHandler : IAuthorizationMiddlewareResultHandler
    {
        private readonly AuthorizationMiddlewareResultHandler _default = new();

        public Task HandleAsync(RequestDelegate next, HttpContext context, AuthorizationPolicy policy, PolicyAuthorizationResult result) =>
            !result.Succeeded && context.GetEndpoint() is not RouteEndpoint
                ? next(context)
                : _default.HandleAsync(next, context, policy, result);
    }

    /// <summary>
    /// Browsers cannot set headers on a WebSocket, so /ws also takes the token from ?access_token= or from the
    /// subprotocol offer "access_token, &lt;jwt&gt;". Only the source differs: validation stays exactly the REST one.
    /// </summary>
    private static Task ReadWebSocketToken(MessageReceivedContext context)
    {
        var request = context.Request;
        if (!request.Path.Equals(RealtimeSetup.WebSocketPath, StringComparison.OrdinalIgnoreCase) || request.Headers.Authorization.Count > 0)
            return Task.CompletedTask;
        if (request.Query["access_token"] is [{ Length: > 0 } fromQuery])
            context.Token = fromQuery;
        else if (RealtimeHandshake.TokenFromSubprotocols(request.Headers.SecWebSocketProtocol) is { Length: > 0 } fromSubprotocol)
            context.Token = fromSubprotocol;
        return Task.CompletedTask;
    }

    private static async Task ValidateAgainstDatabaseAsync(TokenValidatedContext context)
    {
        var principal = context.Principal;
        if (!Guid.TryParse(principal?.FindFirstValue(TokenClaims.Subject), out var userId)
            || !int.TryParse(principal.FindFirstValue(TokenClaims.Version), out var version))
        {
            context.Fail("The token carries no user.");
            return;
        }

        var services = context.HttpContext.RequestServices;
        var dataSource = services.GetRequiredService<NpgsqlDataSource>();
        var ct = context.HttpContext.RequestAborted;
        // A WebSocket lives on after this check, so its upgrade reads the row itself; every other request may use the
        // cache, which is only trusted while this instance is known to hear every user change (UserStateCache).
        var state = context.Request.Path.Equals(RealtimeSetup.WebSocketPath, StringComparison.OrdinalIgnoreCase)
            ? await UserStateCache.ReadAsync(dataSource, userId, ct)
            : await services.GetRequiredService<UserStateCache>().GetAsync(dataSource, userId, ct);

        if (state is null || !state.IsActive || state.TokenVersion != version)
        {
            context.Fail("The token is no longer valid for this user.");
            return;
        }

        // Rebuild the identity with the role and the group restriction from the database, so a change applies on the next request.
        var claims = principal.Claims.Where(c => c.Type is not (TokenClaims.Role or TokenClaims.RestrictedToGroups))
            .Append(new Claim(TokenClaims.Role, state.Role));
        if (state.RestrictedToGroups)
            claims = claims.Append(new Claim(TokenClaims.RestrictedToGroups, "true"));
        context.Principal = new ClaimsPrincipal(new ClaimsIdentity(claims, context.Scheme.Name, TokenClaims.Subject, TokenClaims.Role));
    }
}
