using System.Net;
using System.Net.Http.Json;

namespace SupportDesk.Tests.Infrastructure.Http;

/// <summary>
/// Behind a load balancer every request comes from its address; X-Forwarded-For names the client, but only a
/// proxy listed in TRUSTED_PROXIES may say so (real Kestrel: the peer is 127.0.0.1).
/// </summary>
public sealed class ForwardedHeadersTests(AppFixture fixture)
{
    private static async Task<HttpStatusCode> LoginFromAsync(HttpClient client, string forwardedFor)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, "/auth/login")
        {
            // A new email each time: only the per-address budget is in play.
            Content = JsonContent.Create(new { email = $"nobody-{Guid.NewGuid():N}@example.test", password = "wrong password" }),
        };
        request.Headers.Add("X-Forwarded-For", forwardedFor);
        return (await client.SendAsync(request)).StatusCode;
    }

    // An instance of its own (its own in-memory budgets) on the shared, migrated database.
    private Task<KestrelApp> StartAsync(string? trustedProxies) =>
        KestrelApp.StartAsync(fixture.Database.Url, new Dictionary<string, string?>
        {
            ["RATE_LIMIT_AUTH_PER_MINUTE"] = "2",
            ["TRUSTED_PROXIES"] = trustedProxies,
        });

    [Fact]
    public async Task A_trusted_proxy_gives_each_client_its_own_sign_in_budget()
    {
        await using var app = await StartAsync("127.0.0.1, 10.0.0.0/8");
        using var client = app.CreateClient();

        Assert.Equal(HttpStatusCode.Unauthorized, await LoginFromAsync(client, "203.0.113.7"));
        Assert.Equal(HttpStatusCode.Unauthorized, await LoginFromAsync(client, "203.0.113.7"));
        Assert.Equal(HttpStatusCode.TooManyRequests, await LoginFromAsync(client, "203.0.113.7"));
        // Another client behind the same proxy, and one behind two trusted hops, still have theirs.
        Assert.Equal(HttpStatusCode.Unauthorized, await LoginFromAsync(client, "203.0.113.8"));
        Assert.Equal(HttpStatusCode.Unauthorized, await LoginFromAsync(client, "198.51.100.1, 10.1.2.3"));
    }

    [Fact]
    public async Task Without_trusted_proxies_the_header_is_ignored_and_cannot_dodge_the_budget()
    {
        await using var app = await StartAsync(null);
        using var client = app.CreateClient();

        Assert.Equal(HttpStatusCode.Unauthorized, await LoginFromAsync(client, "203.0.113.7"));
        Assert.Equal(HttpStatusCode.Unauthorized, await LoginFromAsync(client, "203.0.113.8"));
        Assert.Equal(HttpStatusCode.TooManyRequests, await LoginFromAsync(client, "203.0.113.9"));
    }
}
