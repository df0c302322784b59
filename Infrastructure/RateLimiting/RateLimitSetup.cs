using System.Globalization;
using System.Threading.RateLimiting;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.RateLimiting;
using SupportDesk.Infrastructure.Configuration;

namespace SupportDesk.Infrastructure.RateLimiting;

/// <summary>
/// ASP.NET Core's rate limiter: a per-user (or per-IP when anonymous) budget on every route, and a small
/// per-IP budget on the sign-in and password routes, in memory per instance. Per-account budgets, shared through
/// PostgreSQL, live in <see cref="AccountBudgets"/>.
/// </summary>
public static class RateLimitSetup
{
    public const string AuthPolicy = "auth";
    private static readonly TimeSpan Window = TimeSpan.FromMinutes(1);

    public static IServiceCollection AddRateLimits(this IServiceCollection services, RateLimitSettings limits)
    {
        services.AddSingleton(limits);
        services.AddSingleton<AccountBudgets>();
        services.AddSingleton<AccountBudgetsCleanup>();
        services.AddSingleton<KnownSignInClientsCleanup>();
        services.AddHostedService(sp => sp.GetRequiredService<AccountBudgetsCleanup>());
        services.AddHostedService(sp => sp.GetRequiredService<KnownSignInClientsCleanup>());
        // One instance, shared with the WebSocket handshake, which runs ahead of the middleware (see RealtimeSetup).
        var global = new GlobalRateLimiter(PartitionedRateLimiter.Create<HttpContext, string>(context =>
            RateLimitPartition.GetFixedWindowLimiter(
                context.User.FindFirst("sub")?.Value is { } userId ? "user:" + userId : "ip:" + ClientIp(context),
                _ => Fixed(limits.PerMinute))), limits);
        services.AddSingleton(global);
        services.AddRateLimiter(options =>
        {
            options.GlobalLimiter = global.Limiter;

            options.AddPolicy(AuthPolicy, context =>
                RateLimitPartition.GetFixedWindowLimiter("ip:" + ClientIp(context), _ => Fixed(limits.AuthPerMinute)));

            options.OnRejected = (context, ct) => WriteRejectionAsync(context.HttpContext, context.Lease, limits, ct);
        });
        return services;
    }

    private static FixedWindowRateLimiterOptions Fixed(int permits) => new()
    {
        PermitLimit = permits,
        Window = Window,
        QueueLimit = 0,
        AutoReplenishment = true,
    };

    private static string ClientIp(HttpContext context) => context.Connection.RemoteIpAddress?.ToString() ?? "unknown";

    internal static async ValueTask WriteRejectionAsync(HttpContext http, RateLimitLease lease, RateLimitSettings limits, CancellationToken ct)
    {
        var retryAfter = lease.TryGetMetadata(MetadataName.RetryAfter, out var wait) ? wait : Window;
        var isAuth = http.GetEndpoint()?.Metadata.GetMetadata<EnableRateLimitingAttribute>()?.PolicyName == AuthPolicy;
        TooManyRequests.SetHeaders(http.Response, retryAfter, isAuth ? limits.AuthPerMinute : limits.PerMinute);
        http.Response.StatusCode = StatusCodes.Status429TooManyRequests;
        var problems = http.RequestServices.GetRequiredService<IProblemDetailsService>();
        await problems.WriteAsync(new ProblemDetailsContext
        {
            HttpContext = http,
            ProblemDetails = new ProblemDetails
            {
                Status = 429,
                Title = "Too many requests",
                Detail = $"Too many {(isAuth ? "sign-in" : "")} requests; try again in {Math.Ceiling(retryAfter.TotalSeconds)} s.".Replace("  ", " "),
            },
        });
    }
}

/// <summary>The per-user (or per-IP) budget every request draws from, for code that runs before the rate limiting middleware.</summary>
public sealed class GlobalRateLimiter(PartitionedRateLimiter<HttpContext> limiter, RateLimitSettings limits)
{
    public PartitionedRateLimiter<HttpContext> Limiter { get; } = limiter;

    /// <summary>Takes one permit for this request (its User decides the partition); false after writing the 429 problem.</summary>
    public async ValueTask<bool> TryAcquireAsync(HttpContext http)
    {
        using var lease = Limiter.AttemptAcquire(http);
        if (lease.IsAcquired)
            return true;
        await RateLimitSetup.WriteRejectionAsync(http, lease, limits, http.RequestAborted);
        return false;
    }
}

/// <summary>Retry-After and the RateLimit-* headers of a 429; shared by the middleware and the per-account budgets.</summary>
public static class TooManyRequests
{
    public static void SetHeaders(HttpResponse response, TimeSpan retryAfter, int limit)
    {
        var seconds = Math.Max(1, (int)Math.Ceiling(retryAfter.TotalSeconds)).ToString(CultureInfo.InvariantCulture);
        response.Headers.RetryAfter = seconds;
        response.Headers["RateLimit-Limit"] = limit.ToString(CultureInfo.InvariantCulture);
        response.Headers["RateLimit-Remaining"] = "0";
        response.Headers["RateLimit-Reset"] = seconds;
    }
}
