using System.Net;
using System.Net.Http.Headers;
using Microsoft.Extensions.DependencyInjection;
using SupportDesk.Infrastructure.Metrics;

namespace SupportDesk.Tests.Infrastructure.Metrics;

/// <summary>
/// /metrics answers only allowed networks (after TRUSTED_PROXIES) or the bearer token, and queries the outbox at most
/// once per cache window. Each test runs an instance of its own on a real port (the peer is 127.0.0.1).
/// </summary>
public sealed class MetricsAccessTests(AppFixture fixture)
{
    private const string Token = "metrics-token-for-tests-0123456789";

    private Task<KestrelApp> StartAsync(params (string Key, string? Value)[] settings) =>
        KestrelApp.StartAsync(fixture.Database.Url, settings.ToDictionary(s => s.Key, s => s.Value));

    private static async Task<HttpResponseMessage> ScrapeAsync(HttpClient client, string? token = null, string? forwardedFor = null)
    {
        var request = new HttpRequestMessage(HttpMethod.Get, "/metrics");
        if (token is not null)
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        if (forwardedFor is not null)
            request.Headers.Add("X-Forwarded-For", forwardedFor);
        return await client.SendAsync(request);
    }

    private static async Task AssertMetricsAsync(HttpResponseMessage response)
    {
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var text = await response.Content.ReadAsStringAsync();
        Assert.Matches(@"supportdesk_email_outbox\{status=""pending""\} \d+", text);
        Assert.Contains("process_working_set_bytes", text);
    }

    [Fact]
    public async Task Loopback_may_scrape_by_default()
    {
        await using var app = await StartAsync();
        using var client = app.CreateClient();
        await AssertMetricsAsync(await ScrapeAsync(client));
    }

    [Fact]
    public async Task Outside_the_allowed_networks_only_the_token_opens_it_and_a_refusal_looks_like_an_unknown_route()
    {
        await using var app = await StartAsync(("METRICS_ALLOW", "10.0.0.0/8"), ("METRICS_TOKEN", Token));
        using var client = app.CreateClient();

        var refused = await ScrapeAsync(client);
        var problem = await refused.AssertProblemAsync(HttpStatusCode.NotFound);
        var unknown = await (await client.GetAsync("/no-such-route")).AssertProblemAsync(HttpStatusCode.NotFound);
        Assert.Equal(unknown.GetProperty("title").GetString(), problem.GetProperty("title").GetString());
        await (await ScrapeAsync(client, token: Token + "x")).AssertProblemAsync(HttpStatusCode.NotFound);
        await (await ScrapeAsync(client, token: "short")).AssertProblemAsync(HttpStatusCode.NotFound);

        await AssertMetricsAsync(await ScrapeAsync(client, token: Token));
    }

    [Fact]
    public async Task The_client_address_is_the_one_trusted_proxies_forward()
    {
        await using var app = await StartAsync(("TRUSTED_PROXIES", "127.0.0.1"), ("METRICS_ALLOW", "10.1.0.0/16"));
        using var client = app.CreateClient();

        await AssertMetricsAsync(await ScrapeAsync(client, forwardedFor: "10.1.2.3"));
        // The proxy itself is not in the list, and neither is the client it forwards for.
        await (await ScrapeAsync(client)).AssertProblemAsync(HttpStatusCode.NotFound);
        await (await ScrapeAsync(client, forwardedFor: "203.0.113.5")).AssertProblemAsync(HttpStatusCode.NotFound);
    }

    [Theory]
    [InlineData("3600", 1)]
    [InlineData("0", 3)]
    public async Task Scrapes_within_the_cache_window_share_one_outbox_query(string cacheSeconds, int queries)
    {
        await using var app = await StartAsync(("METRICS_CACHE_SECONDS", cacheSeconds));
        using var client = app.CreateClient();
        var gauges = app.Services.GetRequiredService<AppGauges>();

        for (var i = 0; i < 3; i++)
            await AssertMetricsAsync(await ScrapeAsync(client));

        Assert.Equal(queries, gauges.OutboxQueries);
    }
}
