using System.Net.WebSockets;
using System.Text.Json;
using Dapper;
using SupportDesk.Infrastructure.Realtime;

namespace SupportDesk.Tests.Infrastructure.Realtime;

/// <summary>Who receives what, over real sockets on a real Kestrel port; events published inside real transactions.</summary>
public sealed class RealtimeDeliveryTests(AppFixture app, RealtimeServerFixture fixture) : IClassFixture<RealtimeServerFixture>
{
    private KestrelApp Server => fixture.Server;

    [Fact]
    public async Task Private_comment_reaches_staff_only_public_reaches_the_requester_and_another_customer_gets_nothing()
    {
        var customerA = await app.RegisterCustomerAsync();
        var customerB = await app.RegisterCustomerAsync();
        var agent = await app.CreateUserAsync("agent");
        var ticket = await app.InsertTicketAsync(customerA.Id);
        await using var a = await WsClient.ConnectAsync(Server.WebSocketUri, customerA.Token);
        await using var b = await WsClient.ConnectAsync(Server.WebSocketUri, customerB.Token, TokenVia.Query);
        await using var staff = await WsClient.ConnectAsync(Server.WebSocketUri, agent.Token, TokenVia.Subprotocol);

        await Server.PublishAsync(RealtimeTestData.Comment(ticket, customerA.Id, isPrivate: true, content: "internal note"));
        await Server.PublishAsync(RealtimeTestData.Comment(ticket, customerA.Id, isPrivate: false, content: "public reply"));

        var first = await staff.NextForTicketAsync(ticket);
        Assert.Equal("internal note", first.GetProperty("data").GetProperty("content").GetString());
        var second = await staff.NextForTicketAsync(ticket);
        Assert.Equal("public reply", second.GetProperty("data").GetProperty("content").GetString());

        // Events arrive in commit order: A's first message being the public one proves the private one never came.
        var seenByA = await a.NextAsync();
        Assert.Equal("comment.created", seenByA.GetProperty("type").GetString());
        Assert.Equal(ticket, seenByA.GetProperty("ticket_id").GetGuid());
        Assert.Equal("public reply", seenByA.GetProperty("data").GetProperty("content").GetString());
        Assert.Equal("public", seenByA.GetProperty("data").GetProperty("comment_type").GetString());
        Assert.DoesNotContain("internal note", seenByA.GetRawText());

        // B's first message is a notification sent after both comments: nothing of A's ticket reached B.
        await Server.PublishAsync(new RealtimeEvent(RealtimeEventTypes.NotificationCreated, null,
            new EventAudience(null, true, customerB.Id), new { Sentinel = true }));
        var seenByB = await b.NextAsync();
        Assert.Equal("notification.created", seenByB.GetProperty("type").GetString());
        Assert.True(seenByB.GetProperty("data").GetProperty("sentinel").GetBoolean());
    }

    [Fact]
    public async Task The_envelope_has_type_id_occurred_at_ticket_id_and_snake_case_data_and_the_row_is_stored()
    {
        var customer = await app.RegisterCustomerAsync();
        var ticket = await app.InsertTicketAsync(customer.Id);
        await using var client = await WsClient.ConnectAsync(Server.WebSocketUri, customer.Token);

        await Server.PublishAsync(new RealtimeEvent(RealtimeEventTypes.TicketUpdated, ticket, new EventAudience(customer.Id, false),
            new { Changes = new { Priority = "high", AssigneeId = (Guid?)null } }));

        var message = await client.NextAsync();
        Assert.Equal(["type", "id", "occurred_at", "ticket_id", "data"], message.EnumerateObject().Select(p => p.Name));
        Assert.Equal("ticket.updated", message.GetProperty("type").GetString());
        var id = message.GetProperty("id").GetGuid();
        Assert.Equal(7, id.Version);
        Assert.True(DateTimeOffset.UtcNow - message.GetProperty("occurred_at").GetDateTimeOffset() < TimeSpan.FromMinutes(1));
        Assert.Equal("high", message.GetProperty("data").GetProperty("changes").GetProperty("priority").GetString());
        Assert.Equal(JsonValueKind.Null, message.GetProperty("data").GetProperty("changes").GetProperty("assignee_id").ValueKind);

        await using var db = await app.OpenConnectionAsync();
        var row = await db.QuerySingleAsync<(string Type, Guid? TicketId, Guid? RequesterId, bool StaffOnly, string Data)>(
            "SELECT type, ticket_id, requester_id, staff_only, data::text FROM realtime_events WHERE id = @id", new { id });
        Assert.Equal(("ticket.updated", ticket, customer.Id, false), (row.Type, row.TicketId, row.RequesterId, row.StaffOnly));
        Assert.Equal("high", JsonDocument.Parse(row.Data).RootElement.GetProperty("changes").GetProperty("priority").GetString());
    }

    [Fact]
    public async Task A_rolled_back_transaction_sends_nothing()
    {
        var customer = await app.RegisterCustomerAsync();
        var agent = await app.CreateUserAsync("agent");
        var ticket = await app.InsertTicketAsync(customer.Id);
        await using var requester = await WsClient.ConnectAsync(Server.WebSocketUri, customer.Token);
        await using var staff = await WsClient.ConnectAsync(Server.WebSocketUri, agent.Token);

        await Server.PublishAsync(RealtimeTestData.Comment(ticket, customer.Id, isPrivate: false, content: "rolled back"), commit: false);
        await Server.PublishAsync(RealtimeTestData.Comment(ticket, customer.Id, isPrivate: false, content: "committed"));

        Assert.Equal("committed", (await requester.NextAsync()).GetProperty("data").GetProperty("content").GetString());
        Assert.Equal("committed", (await staff.NextForTicketAsync(ticket)).GetProperty("data").GetProperty("content").GetString());
        await using var db = await app.OpenConnectionAsync();
        Assert.Equal(1, await db.ExecuteScalarAsync<int>("SELECT count(*) FROM realtime_events WHERE ticket_id = @ticket", new { ticket }));
    }

    [Fact]
    public async Task An_event_over_the_8000_byte_notify_limit_arrives_intact()
    {
        var customer = await app.RegisterCustomerAsync();
        var ticket = await app.InsertTicketAsync(customer.Id);
        await using var client = await WsClient.ConnectAsync(Server.WebSocketUri, customer.Token);
        var content = string.Concat(Enumerable.Range(0, 3000).Select(i => $"{i % 10}é\"")); // 9000 chars, escaped on the wire

        await Server.PublishAsync(RealtimeTestData.Comment(ticket, customer.Id, isPrivate: false, content: content));
        await Server.PublishAsync(RealtimeTestData.Comment(ticket, customer.Id, isPrivate: false, content: "small"));

        var big = await client.NextAsync();
        Assert.True(big.GetRawText().Length > 8000);
        Assert.Equal(content, big.GetProperty("data").GetProperty("content").GetString());
        Assert.Equal(ticket, big.GetProperty("ticket_id").GetGuid());
        Assert.Equal("small", (await client.NextAsync()).GetProperty("data").GetProperty("content").GetString());
    }

    [Fact]
    public async Task An_event_published_through_one_instance_reaches_a_client_of_another()
    {
        var customer = await app.RegisterCustomerAsync();
        var ticket = await app.InsertTicketAsync(customer.Id);
        await using var client = await WsClient.ConnectAsync(Server.WebSocketUri, customer.Token);

        // The run's shared app is a separate host with its own services and listener: instance A.
        await KestrelApp.PublishAsync(app.Factory.Services, new RealtimeEvent(RealtimeEventTypes.TicketStatusChanged, ticket,
            new EventAudience(customer.Id, false), new { From = "open", To = "pending" }));

        var message = await client.NextAsync();
        Assert.Equal("ticket.status_changed", message.GetProperty("type").GetString());
        Assert.Equal("pending", message.GetProperty("data").GetProperty("to").GetString());
    }

    [Fact]
    public async Task Subscriptions_narrow_ticket_events_and_someone_elses_ticket_is_refused_like_a_missing_one()
    {
        var customer = await app.RegisterCustomerAsync();
        var other = await app.RegisterCustomerAsync();
        var mine = await app.InsertTicketAsync(customer.Id);
        var mineToo = await app.InsertTicketAsync(customer.Id);
        var theirs = await app.InsertTicketAsync(other.Id);
        var deleted = await app.InsertTicketAsync(customer.Id, deleted: true);
        await using var client = await WsClient.ConnectAsync(Server.WebSocketUri, customer.Token);

        await client.SendJsonAsync(new { action = "subscribe", ticket_id = theirs });
        var refused = await client.NextAsync();
        Assert.Equal("error", refused.GetProperty("type").GetString());
        Assert.Equal("not_found", refused.GetProperty("code").GetString());
        await client.SendJsonAsync(new { action = "subscribe", ticket_id = Guid.CreateVersion7() });
        var missing = await client.NextAsync();
        Assert.Equal(refused.GetProperty("code").GetString(), missing.GetProperty("code").GetString());
        Assert.Equal(refused.GetProperty("message").GetString(), missing.GetProperty("message").GetString());
        await client.SendJsonAsync(new { action = "subscribe", ticket_id = deleted });
        Assert.Equal("not_found", (await client.NextAsync()).GetProperty("code").GetString());

        await client.SendJsonAsync(new { action = "subscribe", ticket_id = mine });
        var subscribed = await client.NextAsync();
        Assert.Equal("subscribed", subscribed.GetProperty("type").GetString());
        Assert.Equal(mine, subscribed.GetProperty("ticket_id").GetGuid());

        // Subscribed to one ticket: the other one's events stay away; notifications still come.
        await Server.PublishAsync(RealtimeTestData.Comment(mineToo, customer.Id, false, "other ticket"));
        await Server.PublishAsync(RealtimeTestData.Comment(theirs, other.Id, false, "not mine"));
        await Server.PublishAsync(RealtimeTestData.Comment(mine, customer.Id, false, "followed"));
        var followed = await client.NextAsync();
        Assert.Equal("followed", followed.GetProperty("data").GetProperty("content").GetString());

        await client.SendJsonAsync(new { action = "unsubscribe", ticket_id = mine });
        Assert.Equal("unsubscribed", (await client.NextAsync()).GetProperty("type").GetString());
        await client.SendJsonAsync(new { action = "unsubscribe", ticket_id = mine });
        Assert.Equal("not_subscribed", (await client.NextAsync()).GetProperty("code").GetString());

        // No subscriptions left: back to every event of my own tickets.
        await Server.PublishAsync(RealtimeTestData.Comment(mineToo, customer.Id, false, "all again"));
        Assert.Equal("all again", (await client.NextAsync()).GetProperty("data").GetProperty("content").GetString());
    }

    [Fact]
    public async Task Staff_may_subscribe_to_any_live_ticket()
    {
        var customer = await app.RegisterCustomerAsync();
        var agent = await app.CreateUserAsync("agent");
        var ticket = await app.InsertTicketAsync(customer.Id);
        await using var staff = await WsClient.ConnectAsync(Server.WebSocketUri, agent.Token);

        await staff.SendJsonAsync(new { action = "subscribe", ticket_id = ticket });
        // Until the answer, this staff socket also gets other tests' events; after it, only this ticket's.
        await staff.NextMatchingAsync(m => m.GetProperty("type").GetString() == "subscribed");
        await Server.PublishAsync(RealtimeTestData.Comment(ticket, customer.Id, isPrivate: true, "note"));
        Assert.Equal(ticket, (await staff.NextAsync()).GetProperty("ticket_id").GetGuid());
    }

    [Fact]
    public async Task Malformed_messages_get_errors_and_the_connection_keeps_working()
    {
        var customer = await app.RegisterCustomerAsync();
        await using var client = await WsClient.ConnectAsync(Server.WebSocketUri, customer.Token);

        (string Text, string Code)[] cases =
        [
            ("not json", "invalid_message"),
            ("[1,2]", "invalid_message"),
            ("{\"action\":\"dance\"}", "unknown_action"),
            ("{\"action\":\"subscribe\",\"ticket_id\":\"nope\"}", "invalid_ticket_id"),
            ("{\"action\":\"subscribe\"}", "invalid_ticket_id"),
            ("{\"action\":\"ping\",\"extra\":1}", "invalid_message"),
            ("{}", "invalid_message"),
        ];
        foreach (var (text, code) in cases)
        {
            await client.SendTextAsync(text);
            var error = await client.NextAsync();
            Assert.Equal("error", error.GetProperty("type").GetString());
            Assert.True(code == error.GetProperty("code").GetString(), $"{text} → {error}");
        }
        await client.Socket.SendAsync(new byte[] { 1, 2, 3 }, WebSocketMessageType.Binary, true, CancellationToken.None);
        Assert.Equal("invalid_message", (await client.NextAsync()).GetProperty("code").GetString());

        await client.SendTextAsync("{\"action\":\"ping\"}");
        Assert.Equal("pong", (await client.NextAsync()).GetProperty("type").GetString());
        Assert.Equal(WebSocketState.Open, client.Socket.State);
    }

    [Fact]
    public async Task A_10_MB_frame_closes_that_socket_with_1009_while_others_keep_being_served()
    {
        var customer = await app.RegisterCustomerAsync();
        var bystander = await app.RegisterCustomerAsync();
        var ticket = await app.InsertTicketAsync(bystander.Id);
        await using var attacker = await WsClient.ConnectAsync(Server.WebSocketUri, customer.Token);
        await using var other = await WsClient.ConnectAsync(Server.WebSocketUri, bystander.Token);

        var huge = new byte[10 * 1024 * 1024];
        Array.Fill(huge, (byte)'a');
        try
        {
            await attacker.Socket.SendAsync(huge, WebSocketMessageType.Text, true, CancellationToken.None);
        }
        catch (WebSocketException)
        {
            // The server may close before the whole frame is written.
        }
        var (status, reason) = await attacker.ClosedAsync();
        Assert.Equal(WebSocketCloseStatus.MessageTooBig, status);
        Assert.Contains("65536", reason);

        await other.SendTextAsync("{\"action\":\"ping\"}");
        Assert.Equal("pong", (await other.NextAsync()).GetProperty("type").GetString());
        await Server.PublishAsync(RealtimeTestData.Comment(ticket, bystander.Id, false, "still here"));
        Assert.Equal("still here", (await other.NextAsync()).GetProperty("data").GetProperty("content").GetString());
    }

    [Fact]
    public async Task Deactivating_a_user_closes_their_socket_with_1008()
    {
        var customer = await app.RegisterCustomerAsync();
        await using var client = await WsClient.ConnectAsync(Server.WebSocketUri, customer.Token);
        client.StartReading();

        await using (var db = await app.OpenConnectionAsync())
            await db.ExecuteAsync("UPDATE users SET is_active = false, token_version = token_version + 1 WHERE id = @Id", new { customer.Id });

        var (status, reason) = await client.ClosedAsync();
        Assert.Equal(WebSocketCloseStatus.PolicyViolation, status);
        Assert.Contains("revoked", reason);
        Assert.Equal(System.Net.HttpStatusCode.Unauthorized, await WsClient.TryConnectAsync(Server.WebSocketUri, customer.Token));
    }

    [Fact]
    public async Task The_socket_closes_with_1008_when_its_token_expires()
    {
        var customer = await app.RegisterCustomerAsync();
        var token = RealtimeTestData.Token(customer.Id, "customer", DateTime.UtcNow.AddSeconds(3));
        await using var client = await WsClient.ConnectAsync(Server.WebSocketUri, token);
        await client.SendTextAsync("{\"action\":\"ping\"}");
        Assert.Equal("pong", (await client.NextAsync()).GetProperty("type").GetString());

        var (status, reason) = await client.ClosedAsync(TimeSpan.FromSeconds(15));
        Assert.Equal(WebSocketCloseStatus.PolicyViolation, status);
        Assert.Contains("expired", reason);
    }
}
