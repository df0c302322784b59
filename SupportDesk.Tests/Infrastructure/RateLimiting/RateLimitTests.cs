using System.Net;
using System.Net.Http.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.DependencyInjection;

namespace SupportDesk.Tests.Infrastructure.RateLimiting;

/// <summary>Each test gets an app of its own with small budgets (the shared app has them lifted).</summary>
public sealed class RateLimitTests
{
    private static async Task<(TestDatabase, SupportDeskFactory)> AppWithLimitsAsync(int perMinute, int authPerMinute, int? signInFailuresPerHour = null)
    {
        var database = await TestDatabase.CreateAsync("sd_ratelimit");
        var settings = SupportDeskFactory.DefaultSettings(database.Url);
        settings["RATE_LIMIT_PER_MINUTE"] = perMinute.ToString();
        settings["RATE_LIMIT_AUTH_PER_MINUTE"] = authPerMinute.ToString();
        if (signInFailuresPerHour is { } failures)
            settings["RATE_LIMIT_SIGN_IN_FAILURES_PER_HOUR"] = failures.ToString();
        return (database, new SupportDeskFactory(settings));
    }

    internal static void AssertRateLimitHeaders(HttpResponseMessage response, int limit, int windowSeconds = 60)
    {
        Assert.True(int.Parse(response.Headers.GetValues("Retry-After").Single()) is var retry && retry > 0 && retry <= windowSeconds);
        Assert.Equal(limit.ToString(), response.Headers.GetValues("RateLimit-Limit").Single());
        Assert.Equal("0", response.Headers.GetValues("RateLimit-Remaining").Single());
        Assert.True(int.Parse(response.Headers.GetValues("RateLimit-Reset").Single()) > 0);
    }

    [Fact]
    public async Task Parallel_login_attempts_for_one_account_cannot_exceed_its_budget()
    {
        var (database, factory) = await AppWithLimitsAsync(perMinute: 100_000, authPerMinute: 100_000, signInFailuresPerHour: 5);
        await using var _ = database;
        await using var __ = factory;
        using var spread = factory.WithWebHostBuilder(b => b.ConfigureServices(s => s.AddSingleton<IStartupFilter>(new ClientAddressFromHeader())));
        using var client = spread.CreateClient();

        // Every attempt comes from another address, so only the per-email budget can stop them.
        var responses = await Task.WhenAll(Enumerable.Range(0, 20).Select(i =>
        {
            var request = new HttpRequestMessage(HttpMethod.Post, "/auth/login")
            {
                Content = JsonContent.Create(new { email = "victim@example.test", password = $"guess-{i}" }),
            };
            request.Headers.Add(ClientAddressFromHeader.Header, $"10.0.0.{i + 1}");
            return client.SendAsync(request);
        }));

        var limited = responses.Where(r => r.StatusCode == HttpStatusCode.TooManyRequests).ToList();
        Assert.Equal(5, responses.Count(r => r.StatusCode == HttpStatusCode.Unauthorized));
        Assert.Equal(15, limited.Count);
        await limited[0].AssertProblemAsync(HttpStatusCode.TooManyRequests);
        // The sign-in budget is per hour.
        AssertRateLimitHeaders(limited[0], 5, windowSeconds: 3600);
    }

    /// <summary>Test-only: takes the caller's address from a header, as a proxy's forwarded header would give it.</summary>
    private sealed class ClientAddressFromHeader : IStartupFilter
    {
        public const string Header = "X-Test-Client-Address";

        public Action<IApplicationBuilder> Configure(Action<IApplicationBuilder> next) => app =>
        {
            app.Use((context, nextMiddleware) =>
            {
                if (IPAddress.TryParse(context.Request.Headers[Header], out var address))
                    context.Connection.RemoteIpAddress = address;
                return nextMiddleware(context);
            });
            next(app);
        };
    }

    [Fact]
    public async Task Sign_in_routes_have_a_small_per_address_budget()
    {
        var (database, factory) = await AppWithLimitsAsync(perMinute: 100_000, authPerMinute: 3);
        await using var _ = database;
        await using var __ = factory;
        using var client = factory.CreateClient();

        var statuses = new List<HttpStatusCode>();
        for (var i = 0; i < 5; i++)
            statuses.Add((await client.PostAsJsonAsync("/auth/login", new { email = $"user{i}@example.test", password = "whatever-pw" })).StatusCode);

        Assert.Equal([HttpStatusCode.Unauthorized, HttpStatusCode.Unauthorized, HttpStatusCode.Unauthorized, HttpStatusCode.TooManyRequests, HttpStatusCode.TooManyRequests], statuses);
        var limited = await client.PostAsJsonAsync("/auth/register", new { email = "new@example.test", password = "password123", first_name = "A", last_name = "B" });
        await limited.AssertProblemAsync(HttpStatusCode.TooManyRequests);
        AssertRateLimitHeaders(limited, 3);
        // Health probes are never limited.
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/health")).StatusCode);
    }

    [Fact]
    public async Task Every_other_route_has_a_per_caller_budget()
    {
        var (database, factory) = await AppWithLimitsAsync(perMinute: 4, authPerMinute: 100);
        await using var _ = database;
        await using var __ = factory;
        using var client = factory.CreateClient();

        var statuses = new List<HttpStatusCode>();
        for (var i = 0; i < 6; i++)
            statuses.Add((await client.GetAsync("/auth/me")).StatusCode);

        Assert.Equal(4, statuses.Count(s => s == HttpStatusCode.Unauthorized));
        Assert.Equal(2, statuses.Count(s => s == HttpStatusCode.TooManyRequests));
        var limited = await client.GetAsync("/auth/me");
        AssertRateLimitHeaders(limited, 4);
    }
}
