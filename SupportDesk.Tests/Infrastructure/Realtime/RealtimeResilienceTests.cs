using System.Net;
using System.Net.WebSockets;
using System.Text.Json;
using Dapper;
using Microsoft.Extensions.DependencyInjection;
using SupportDesk.Infrastructure.Realtime;

namespace SupportDesk.Tests.Infrastructure.Realtime;

/// <summary>Instances of their own (own settings, own listener), over the run's database.</summary>
public sealed class RealtimeResilienceTests(AppFixture app)
{
    [Fact]
    public async Task The_listener_reconnects_after_its_backend_is_killed_and_events_keep_arriving()
    {
        await using var server = await KestrelApp.StartAsync(app.Database.Url);
        var listener = server.Services.GetRequiredService<RealtimeListener>();
        var customer = await app.RegisterCustomerAsync();
        var ticket = await app.InsertTicketAsync(customer.Id);
        await using var client = await WsClient.ConnectAsync(server.WebSocketUri, customer.Token);
        var firstPid = await WaitForAsync<int>(() => listener.ListenerProcessId);

        await using (var db = await app.OpenConnectionAsync())
            Assert.True(await db.ExecuteScalarAsync<bool>("SELECT pg_terminate_backend(@firstPid)", new { firstPid }));
        // Published while the listener may still be down: the catch-up after reconnecting brings it.
        await server.PublishAsync(RealtimeTestData.Comment(ticket, customer.Id, false, "during the outage"));
        Assert.Equal("during the outage", (await client.NextAsync(TimeSpan.FromSeconds(20))).GetProperty("data").GetProperty("content").GetString());

        var secondPid = await WaitForAsync(() => listener.ListenerProcessId is { } pid && pid != firstPid ? pid : (int?)null);
        Assert.NotEqual(firstPid, secondPid);
        await server.PublishAsync(RealtimeTestData.Comment(ticket, customer.Id, false, "after the outage"));
        Assert.Equal("after the outage", (await client.NextAsync()).GetProperty("data").GetProperty("content").GetString());
    }

    [Fact]
    public async Task Connections_beyond_the_per_user_and_total_limits_are_refused_before_the_upgrade()
    {
        await using var server = await KestrelApp.StartAsync(app.Database.Url, new Dictionary<string, string?>
        {
            ["REALTIME_MAX_CONNECTIONS_PER_USER"] = "2",
            ["REALTIME_MAX_CONNECTIONS"] = "3",
        });
        var x = await app.RegisterCustomerAsync();
        var y = await app.RegisterCustomerAsync();

        var x1 = await WsClient.ConnectAsync(server.WebSocketUri, x.Token);
        await using var x2 = await WsClient.ConnectAsync(server.WebSocketUri, x.Token);
        Assert.Equal(HttpStatusCode.TooManyRequests, await WsClient.TryConnectAsync(server.WebSocketUri, x.Token));
        await using var y1 = await WsClient.ConnectAsync(server.WebSocketUri, y.Token);
        Assert.Equal(HttpStatusCode.ServiceUnavailable, await WsClient.TryConnectAsync(server.WebSocketUri, y.Token));

        // A closed socket frees its slot.
        await x1.DisposeAsync();
        await WaitForAsync(async () => await WsClient.TryConnectAsync(server.WebSocketUri, x.Token) == HttpStatusCode.SwitchingProtocols ? true : (bool?)null);
    }

    [Fact]
    public async Task Upgrades_draw_on_the_same_per_user_rate_limit_as_rest_calls_and_refusals_are_problems()
    {
        await using var server = await KestrelApp.StartAsync(app.Database.Url, new Dictionary<string, string?>
        {
            ["RATE_LIMIT_PER_MINUTE"] = "3",
        });
        var x = await app.RegisterCustomerAsync();
        var y = await app.RegisterCustomerAsync();
        using var http = server.CreateClient();

        // Two upgrades and one REST call use up x's three requests this minute.
        Assert.Equal(HttpStatusCode.SwitchingProtocols, await WsClient.TryConnectAsync(server.WebSocketUri, x.Token));
        Assert.Equal(HttpStatusCode.SwitchingProtocols, await WsClient.TryConnectAsync(server.WebSocketUri, x.Token));
        using (var me = new HttpRequestMessage(HttpMethod.Get, "/auth/me"))
        {
            me.Headers.Authorization = new("Bearer", x.Token);
            Assert.Equal(HttpStatusCode.OK, (await http.SendAsync(me)).StatusCode);
        }
        var refused = await http.SendAsync(UpgradeRequest(x.Token));
        await refused.AssertProblemAsync(HttpStatusCode.TooManyRequests);
        Assert.True(refused.Headers.RetryAfter is not null, "429 carries Retry-After");
        Assert.Equal(HttpStatusCode.TooManyRequests, await WsClient.TryConnectAsync(server.WebSocketUri, x.Token));

        // The budget is per user: y still connects, and a refused token is a 401 problem before any upgrade.
        Assert.Equal(HttpStatusCode.SwitchingProtocols, await WsClient.TryConnectAsync(server.WebSocketUri, y.Token));
        var unauthorized = await http.SendAsync(UpgradeRequest("not-a-token"));
        await unauthorized.AssertProblemAsync(HttpStatusCode.Unauthorized);
        Assert.Contains(unauthorized.Headers.WwwAuthenticate, h => h.Scheme == "Bearer");
    }

    [Fact]
    public async Task With_inline_sends_a_broadcast_split_across_threads_reaches_each_socket_once_and_keeps_the_rules()
    {
        await using var server = await KestrelApp.StartAsync(app.Database.Url, new Dictionary<string, string?>
        {
            ["REALTIME_INLINE_SENDS"] = "true",
            ["REALTIME_MAX_CONNECTIONS_PER_USER"] = "1000",
        });
        var customer = await app.RegisterCustomerAsync();
        var other = await app.RegisterCustomerAsync();
        var agent = await app.CreateUserAsync("agent");
        var ticket = await app.InsertTicketAsync(customer.Id);
        // Enough recipients for the broadcast to be split across threads (one part per 256, up to one per core).
        var staff = await Task.WhenAll(Enumerable.Range(0, 600).Select(_ => WsClient.ConnectAsync(server.WebSocketUri, agent.Token)));
        await using var mine = await WsClient.ConnectAsync(server.WebSocketUri, customer.Token);
        await using var notMine = await WsClient.ConnectAsync(server.WebSocketUri, other.Token);
        try
        {
            await server.PublishAsync(RealtimeTestData.Comment(ticket, customer.Id, isPrivate: true, content: "internal note"));
            await server.PublishAsync(RealtimeTestData.Comment(ticket, customer.Id, isPrivate: false, content: "public reply"));
            await server.PublishAsync(RealtimeTestData.Comment(ticket, customer.Id, isPrivate: false, content: "third"));

            static string? Content(JsonElement message) => message.GetProperty("data").GetProperty("content").GetString();
            // Every staff socket gets the three in commit order, each once.
            foreach (var socket in staff)
            {
                Assert.Equal("internal note", Content(await socket.NextForTicketAsync(ticket)));
                Assert.Equal("public reply", Content(await socket.NextForTicketAsync(ticket)));
                Assert.Equal("third", Content(await socket.NextForTicketAsync(ticket)));
            }
            // The requester's first message is the public reply: the private one never came.
            Assert.Equal("public reply", Content(await mine.NextAsync()));
            await server.PublishAsync(new RealtimeEvent(RealtimeEventTypes.NotificationCreated, null,
                new EventAudience(null, true, other.Id), new { Sentinel = true }));
            Assert.Equal("notification.created", (await notMine.NextAsync()).GetProperty("type").GetString());
        }
        finally
        {
            foreach (var socket in staff)
                await socket.DisposeAsync();
        }
    }

    /// <summary>A WebSocket handshake request sent as plain HTTP, to read a refusal's headers and body.</summary>
    private static HttpRequestMessage UpgradeRequest(string token)
    {
        var request = new HttpRequestMessage(HttpMethod.Get, "/ws");
        request.Headers.Authorization = new("Bearer", token);
        request.Headers.Connection.Add("Upgrade");
        request.Headers.Upgrade.Add(new("websocket"));
        request.Headers.Add("Sec-WebSocket-Version", "13");
        request.Headers.Add("Sec-WebSocket-Key", Convert.ToBase64String(Guid.NewGuid().ToByteArray()));
        return request;
    }

    [Fact]
    public async Task A_client_that_does_not_read_is_closed_when_its_queue_overflows_and_does_not_delay_others()
    {
        await using var server = await KestrelApp.StartAsync(app.Database.Url, new Dictionary<string, string?>
        {
            ["REALTIME_SEND_QUEUE_CAPACITY"] = "4",
            // The stalled client reads its close frame only after the loop below, which takes long on a loaded machine.
            ["REALTIME_CLOSE_GRACE_SECONDS"] = "120",
        });
        var customer = await app.RegisterCustomerAsync();
        var ticket = await app.InsertTicketAsync(customer.Id);
        await using var slow = await WsClient.ConnectAsync(server.WebSocketUri, customer.Token, startReading: false);
        await using var fast = await WsClient.ConnectAsync(server.WebSocketUri, customer.Token);

        // ~40 MB in all, more than the socket buffers towards the stalled client can hold. Published in small batches
        // that the reading client takes in as they come: it keeps up, whatever the stalled one does.
        var filler = new string('x', 400_000);
        for (var batch = 0; batch < 20; batch++)
        {
            for (var i = 0; i < 5; i++)
                await server.PublishAsync(RealtimeTestData.Comment(ticket, customer.Id, false, $"{batch}.{i}:{filler}"));
            for (var i = 0; i < 5; i++)
            {
                var content = (await fast.NextAsync(TimeSpan.FromSeconds(30))).GetProperty("data").GetProperty("content").GetString();
                Assert.StartsWith($"{batch}.{i}:", content);
            }
        }

        var (status, reason) = await slow.ClosedAsync(TimeSpan.FromSeconds(30));
        Assert.Equal((WebSocketCloseStatus)1013, status);
        Assert.Contains("too slowly", reason);
    }

    [Fact]
    public async Task A_client_that_never_answers_the_close_frame_is_cut_off_after_the_grace_period_and_frees_its_slot()
    {
        await using var server = await KestrelApp.StartAsync(app.Database.Url, new Dictionary<string, string?>
        {
            ["REALTIME_MAX_CONNECTIONS_PER_USER"] = "1",
        });
        var hub = server.Services.GetRequiredService<RealtimeHub>();
        var customer = await app.RegisterCustomerAsync();
        // Never reads, so it never sees the close frame and never answers it.
        await using var silent = await WsClient.ConnectAsync(server.WebSocketUri, customer.Token, startReading: false);
        await WaitForAsync(() => hub.Connections.Any(c => c.User.Id == customer.Id) ? true : (bool?)null);
        var connection = hub.Connections.Single(c => c.User.Id == customer.Id);
        Assert.Equal(HttpStatusCode.TooManyRequests, await WsClient.TryConnectAsync(server.WebSocketUri, customer.Token));

        connection.Close(WebSocketCloseStatus.PolicyViolation, "test");
        await WaitForAsync(() => hub.Connections.Any(c => c.User.Id == customer.Id) ? null : (bool?)true);
        await using var next = await WsClient.ConnectAsync(server.WebSocketUri, customer.Token);
        await next.SendTextAsync("{\"action\":\"ping\"}");
        Assert.Equal("pong", (await next.NextAsync()).GetProperty("type").GetString());
    }

    [Fact]
    public async Task A_client_that_drops_without_a_close_frame_leaves_the_hub_as_endpoint_unavailable()
    {
        await using var server = await KestrelApp.StartAsync(app.Database.Url);
        var hub = server.Services.GetRequiredService<RealtimeHub>();
        var customer = await app.RegisterCustomerAsync();
        var client = await WsClient.ConnectAsync(server.WebSocketUri, customer.Token);
        await WaitForAsync(() => hub.Connections.Any(c => c.User.Id == customer.Id) ? true : (bool?)null);
        var connection = hub.Connections.Single(c => c.User.Id == customer.Id);

        client.Socket.Abort(); // the TCP connection ends, no close frame
        await WaitForAsync(() => hub.Connections.Any(c => c.User.Id == customer.Id) ? null : (bool?)true);
        Assert.Equal(WebSocketCloseStatus.EndpointUnavailable, connection.CloseStatus);
        await client.DisposeAsync();
    }

    private static async Task<T> WaitForAsync<T>(Func<T?> probe) where T : struct =>
        await WaitForAsync(() => Task.FromResult(probe()));

    private static async Task<T> WaitForAsync<T>(Func<Task<T?>> probe) where T : struct
    {
        var deadline = DateTime.UtcNow.AddSeconds(20);
        while (true)
        {
            if (await probe() is { } value)
                return value;
            Assert.True(DateTime.UtcNow < deadline, "the condition did not hold in time");
            await Task.Delay(100);
        }
    }
}
