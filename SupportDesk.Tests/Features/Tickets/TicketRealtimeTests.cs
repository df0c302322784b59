using System.Net;
using System.Net.Http.Json;
using System.Text.Json;

namespace SupportDesk.Tests.Features.Tickets;

/// <summary>
/// Ticket routes on the test server, sockets on a second instance (real Kestrel, real WebSocket clients) over the
/// same database: every event below crossed instances through LISTEN/NOTIFY.
/// </summary>
public sealed class TicketRealtimeTests(AppFixture app, RealtimeServerFixture fixture) : IClassFixture<RealtimeServerFixture>
{
    private KestrelApp Server => fixture.Server;

    private static string Type(JsonElement message) => message.GetProperty("type").GetString()!;

    [Fact]
    public async Task A_private_comment_reaches_staff_only_and_another_customer_hears_nothing_of_the_ticket()
    {
        var a = await app.RegisterCustomerAsync();
        var b = await app.RegisterCustomerAsync();
        var agent = await app.CreateUserAsync("agent");
        await using var socketA = await WsClient.ConnectAsync(Server.WebSocketUri, a.Token);
        await using var socketB = await WsClient.ConnectAsync(Server.WebSocketUri, b.Token, TokenVia.Query);
        await using var staff = await WsClient.ConnectAsync(Server.WebSocketUri, agent.Token, TokenVia.Subprotocol);
        using var asAgent = app.ClientFor(agent);

        var ticket = (await app.ClientFor(a).CreateTicketAsync(new { title = "Invoice missing", description = "No invoice for March" })).Id();
        await asAgent.AddCommentAsync(ticket, "Customer owes us money, careful", "private");
        await asAgent.AddCommentAsync(ticket, "Your invoice is on its way");

        Assert.Equal("ticket.created", Type(await staff.NextForTicketAsync(ticket)));
        var privateSeen = await staff.NextForTicketAsync(ticket);
        Assert.Equal(("comment.created", "private"), (Type(privateSeen), privateSeen.GetProperty("data").GetProperty("comment_type").GetString()));
        Assert.Equal("Your invoice is on its way", (await staff.NextForTicketAsync(ticket)).GetProperty("data").GetProperty("content").GetString());

        // Events arrive in commit order, so A's next comment event being the public one proves the private one never came.
        var seenByA = new List<JsonElement> { await socketA.NextAsync(), await socketA.NextAsync(), await socketA.NextAsync() };
        Assert.Equal(["ticket.created", "comment.created", "notification.created"], seenByA.Select(Type));
        Assert.Equal("public", seenByA[1].GetProperty("data").GetProperty("comment_type").GetString());
        Assert.All(seenByA, m => Assert.DoesNotContain("owes us money", m.GetRawText()));
        Assert.Equal(ticket, seenByA[2].GetProperty("data").GetProperty("ticket_id").GetGuid());

        // B's first message is about B's own ticket, made after everything above: nothing of A's reached B.
        var ownTicket = (await app.ClientFor(b).CreateTicketAsync()).Id();
        var seenByB = await socketB.NextAsync();
        Assert.Equal(("ticket.created", ownTicket), (Type(seenByB), seenByB.GetProperty("ticket_id").GetGuid()));
    }

    [Fact]
    public async Task Status_changes_and_assignments_become_events_and_notifications_for_the_right_people()
    {
        var customer = await app.RegisterCustomerAsync();
        var agent = await app.CreateUserAsync("agent");
        var other = await app.CreateUserAsync("agent");
        using var asAgent = app.ClientFor(agent);
        // Connected before the ticket exists, so its ticket.created cannot arrive at an unknown moment later.
        await using var socket = await WsClient.ConnectAsync(Server.WebSocketUri, customer.Token);
        await using var otherSocket = await WsClient.ConnectAsync(Server.WebSocketUri, other.Token);
        var ticket = (await app.ClientFor(customer).CreateTicketAsync()).Id();
        Assert.Equal("ticket.created", Type(await socket.NextAsync()));

        Assert.Equal(HttpStatusCode.OK, (await asAgent.PatchJsonAsync($"/tickets/{ticket}", new { status = "pending", title = "Renamed by agent" })).StatusCode);
        await asAgent.PostAsJsonAsyncOk($"/tickets/{ticket}/assign", new { assignee_id = other.Id });

        var updated = await socket.NextAsync();
        Assert.Equal("ticket.updated", Type(updated));
        Assert.Equal("title", updated.GetProperty("data").GetProperty("changes")[0].GetProperty("field").GetString());
        var status = await socket.NextAsync();
        Assert.Equal(("ticket.status_changed", "open", "pending"),
            (Type(status), status.GetProperty("data").GetProperty("from").GetString(), status.GetProperty("data").GetProperty("to").GetString()));
        Assert.Equal("notification.created", Type(await socket.NextAsync()));
        Assert.Equal("ticket.assigned", Type(await socket.NextAsync()));

        var assignedNote = await otherSocket.NextMatchingAsync(m => Type(m) == "notification.created" && m.GetProperty("ticket_id").GetGuid() == ticket);
        Assert.Contains("assigned to you", assignedNote.GetProperty("data").GetProperty("title").GetString());

        using var asCustomer = app.ClientFor(customer);
        var notes = await (await asCustomer.GetAsync("/notifications?unread=true")).JsonAsync();
        var note = Assert.Single(notes.Items(), n => n.GetProperty("ticket_id").GetGuid() == ticket);
        Assert.Equal("ticket.status_changed", note.GetProperty("type").GetString());
        Assert.Equal(1, (await (await asCustomer.GetAsync("/notifications/unread-count")).JsonAsync()).GetProperty("count").GetInt32());
        // The agent acted; the agent was told nothing.
        var agentNotes = await (await asAgent.GetAsync("/notifications")).JsonAsync();
        Assert.DoesNotContain(agentNotes.Items(), n => n.GetProperty("ticket_id").GetGuid() == ticket);
    }

    [Fact]
    public async Task A_rolled_back_change_sends_no_event()
    {
        var customer = await app.RegisterCustomerAsync();
        var agent = await app.CreateUserAsync("agent");
        await using var socket = await WsClient.ConnectAsync(Server.WebSocketUri, customer.Token);
        var ticket = (await app.ClientFor(customer).CreateTicketAsync()).Id();
        Assert.Equal("ticket.created", Type(await socket.NextAsync()));
        using var asAgent = app.ClientFor(agent);

        // Refused midway (the assignee is a customer): nothing was committed, so nothing was announced.
        await (await asAgent.PatchJsonAsync($"/tickets/{ticket}", new { title = "Half done", assignee_id = customer.Id }))
            .AssertProblemAsync(HttpStatusCode.BadRequest, "assignee_id");
        Assert.Equal(HttpStatusCode.OK, (await asAgent.PatchJsonAsync($"/tickets/{ticket}", new { title = "Done properly" })).StatusCode);

        var first = await socket.NextAsync();
        Assert.Equal("ticket.updated", Type(first));
        Assert.Equal("Done properly", first.GetProperty("data").GetProperty("changes")[0].GetProperty("new").GetString());
    }
}
