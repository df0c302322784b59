using System.Diagnostics;
using System.Net;
using System.Net.Http.Headers;
using System.Net.WebSockets;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using SupportDesk.Infrastructure.Realtime;

namespace SupportDesk.Tests.Infrastructure.Realtime;

/// <summary>Client message budgets, each test on an instance of its own with small budgets, over the run's database.</summary>
public sealed class RealtimeRateLimitTests(AppFixture app)
{
    private static string Code(JsonElement message) =>
        message.GetProperty("type").GetString() == "error" ? message.GetProperty("code").GetString()! : message.GetProperty("type").GetString()!;

    /// <summary>Sends until the server closes the socket (or the count runs out), without waiting for answers.</summary>
    private static async Task FloodAsync(WsClient client, int count, Func<int, object> message)
    {
        for (var i = 0; i < count && client.Socket.State == WebSocketState.Open; i++)
        {
            try
            {
                await client.SendJsonAsync(message(i));
            }
            catch (Exception e) when (e is WebSocketException or OperationCanceledException)
            {
                return; // closed under us
            }
        }
    }

    /// <summary>Every message up to the close frame, or until none came for a while.</summary>
    private static async Task<List<string>> AnswersAsync(WsClient client)
    {
        var codes = new List<string>();
        try
        {
            while (true)
                codes.Add(Code(await client.NextAsync(TimeSpan.FromSeconds(5))));
        }
        catch (Exception e) when (e is InvalidOperationException or TimeoutException)
        {
            return codes;
        }
    }

    [Fact]
    public async Task Messages_over_the_socket_budget_are_answered_rate_limited_and_a_flooding_socket_is_closed_with_1008()
    {
        await using var server = await KestrelApp.StartAsync(app.Database.Url, new Dictionary<string, string?>
        {
            ["REALTIME_MESSAGES_PER_SECOND"] = "1",
            ["REALTIME_MESSAGE_BURST"] = "5",
        });
        var customer = await app.RegisterCustomerAsync();
        await using var client = await WsClient.ConnectAsync(server.WebSocketUri, customer.Token);

        for (var i = 0; i < 5; i++)
            await client.SendJsonAsync(new { action = "ping" });
        for (var i = 0; i < 5; i++)
            Assert.Equal("pong", Code(await client.NextAsync()));
        await client.SendJsonAsync(new { action = "ping" });
        var limited = await client.NextAsync();
        Assert.Equal("rate_limited", Code(limited));
        Assert.False(string.IsNullOrEmpty(limited.GetProperty("message").GetString()));

        await FloodAsync(client, 500, _ => new { action = "ping" });
        var (status, _) = await client.ClosedAsync(TimeSpan.FromSeconds(20));
        Assert.Equal(WebSocketCloseStatus.PolicyViolation, status);
    }

    [Fact]
    public async Task A_users_sockets_share_one_budget()
    {
        await using var server = await KestrelApp.StartAsync(app.Database.Url, new Dictionary<string, string?>
        {
            ["REALTIME_USER_MESSAGES_PER_SECOND"] = "2", // burst 4
            ["REALTIME_MESSAGE_BURST"] = "1000",
        });
        var customer = await app.RegisterCustomerAsync();
        await using var first = await WsClient.ConnectAsync(server.WebSocketUri, customer.Token);
        await using var second = await WsClient.ConnectAsync(server.WebSocketUri, customer.Token);
        var other = await app.RegisterCustomerAsync();
        await using var stranger = await WsClient.ConnectAsync(server.WebSocketUri, other.Token);

        var clock = Stopwatch.StartNew();
        for (var i = 0; i < 6; i++)
        {
            await first.SendJsonAsync(new { action = "ping" });
            await second.SendJsonAsync(new { action = "ping" });
        }
        var answers = new List<string>();
        for (var i = 0; i < 12; i++)
            answers.Add(Code(await (i % 2 == 0 ? first : second).NextAsync()));
        // The burst of 4, plus what refilled (2 a second) while the test ran.
        Assert.InRange(answers.Count(a => a == "pong"), 4, 4 + (int)Math.Ceiling(2 * clock.Elapsed.TotalSeconds));
        Assert.Contains("rate_limited", answers);
        // Another user's budget is their own.
        await stranger.SendJsonAsync(new { action = "ping" });
        Assert.Equal("pong", Code(await stranger.NextAsync()));
    }

    [Fact]
    public async Task Failed_subscribes_have_a_budget_and_successful_ones_still_work()
    {
        await using var server = await KestrelApp.StartAsync(app.Database.Url, new Dictionary<string, string?>
        {
            ["REALTIME_FAILED_SUBSCRIBES_PER_MINUTE"] = "3",
        });
        var customer = await app.RegisterCustomerAsync();
        var ticket = await app.InsertTicketAsync(customer.Id);
        await using var client = await WsClient.ConnectAsync(server.WebSocketUri, customer.Token);
        var hub = server.Services.GetRequiredService<RealtimeHub>();

        var answers = new List<string>();
        for (var i = 0; i < 6; i++)
        {
            await client.SendJsonAsync(new { action = "subscribe", ticket_id = Guid.NewGuid() });
            answers.Add(Code(await client.NextAsync()));
        }
        Assert.Equal(["not_found", "not_found", "not_found", "rate_limited", "rate_limited", "rate_limited"], answers);
        Assert.Equal(3, hub.SubscribeChecks);
        // The budget is spent by failures only: until it refills, a ticket the user may see answers rate_limited too,
        // since telling the two apart is the database check itself.
        await client.SendJsonAsync(new { action = "subscribe", ticket_id = ticket });
        Assert.Equal("rate_limited", Code(await client.NextAsync()));
        await client.SendJsonAsync(new { action = "ping" });
        Assert.Equal("pong", Code(await client.NextAsync()));
    }

    [Fact]
    public async Task Rest_calls_keep_working_while_sockets_flood_subscribes_and_database_checks_stay_within_the_budget()
    {
        const int users = 3, socketsPerUser = 5, messagesPerSocket = 200, failedPerMinute = 10;
        // A small pool, so unbounded subscribe checks would starve the REST calls of connections.
        await using var server = await KestrelApp.StartAsync(app.Database.Url + "?Maximum%20Pool%20Size=8", new Dictionary<string, string?>
        {
            ["REALTIME_FAILED_SUBSCRIBES_PER_MINUTE"] = failedPerMinute.ToString(),
        });
        var hub = server.Services.GetRequiredService<RealtimeHub>();
        var agent = await app.CreateUserAsync("agent");
        var ticket = await app.InsertTicketAsync(agent.Id);
        var flooders = new List<WsClient>();
        for (var u = 0; u < users; u++)
        {
            var customer = await app.RegisterCustomerAsync();
            for (var s = 0; s < socketsPerUser; s++)
                flooders.Add(await WsClient.ConnectAsync(server.WebSocketUri, customer.Token));
        }

        try
        {
            var clock = Stopwatch.StartNew();
            var floods = flooders.Select(c => FloodAsync(c, messagesPerSocket, _ => new { action = "subscribe", ticket_id = Guid.NewGuid() })).ToList();
            using var rest = server.CreateClient();
            rest.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", agent.Token);
            var statuses = new List<HttpStatusCode>();
            var timings = new List<double>();
            for (var i = 0; i < 40; i++)
            {
                var one = Stopwatch.StartNew();
                statuses.Add((await rest.GetAsync($"/tickets/{ticket}")).StatusCode);
                timings.Add(one.Elapsed.TotalMilliseconds);
            }
            await Task.WhenAll(floods);
            var answers = await Task.WhenAll(flooders.Select(AnswersAsync));
            var minutes = clock.Elapsed.TotalMinutes;

            TestContext.Current.TestOutputHelper?.WriteLine(
                $"{hub.SubscribeChecks} subscribe checks; REST p50 {timings.Order().ElementAt(20):0} ms, max {timings.Max():0} ms");
            Assert.All(statuses, s => Assert.Equal(HttpStatusCode.OK, s));
            // The budget's burst and refill per user, and at most one check in flight per socket beyond it.
            var bound = users * (failedPerMinute + (int)Math.Ceiling(failedPerMinute * minutes) + socketsPerUser);
            Assert.True(hub.SubscribeChecks <= bound,
                $"{hub.SubscribeChecks} subscribe checks for {users * socketsPerUser * messagesPerSocket} subscribes (bound {bound}); REST p50 {timings.Order().ElementAt(20):0} ms");
            Assert.All(answers, a => Assert.Contains("rate_limited", a));
        }
        finally
        {
            foreach (var client in flooders)
                await client.DisposeAsync();
        }
    }
}
