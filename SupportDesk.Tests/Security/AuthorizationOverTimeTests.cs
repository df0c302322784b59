using System.Net;
using System.Net.Http.Json;
using System.Net.WebSockets;
using System.Text.Json;
using Dapper;

namespace SupportDesk.Tests.Security;

/// <summary>
/// The authorization matrix over time: the same person before and after a change of who they are (agent made a
/// customer, customer made an agent, deactivated, deactivated and reactivated, password changed), on every channel
/// that tells them about a ticket — REST, their old and a fresh WebSocket, stored notifications, and the email
/// outbox rows addressed to them. A customer's ticket is assigned to the subject whenever the subject is staff;
/// after the change the customer replies, which tells whoever holds the ticket.
/// </summary>
public sealed class AuthorizationOverTimeTests(AppFixture app, RealtimeServerFixture fixture) : IClassFixture<RealtimeServerFixture>
{
    /// <summary>One kind of change and what must hold after it.</summary>
    /// <param name="RoleBefore">the subject's role before the change</param>
    /// <param name="OldRefresh">status of a refresh with a refresh token issued before the change</param>
    /// <param name="CanSignIn">whether the subject can sign in afterwards (with the password they then have)</param>
    /// <param name="SeesTicket">GET /tickets/{id} of the customer's ticket with a fresh token</param>
    /// <param name="KeepsAssignment">whether the subject still holds the ticket</param>
    /// <param name="HearsTicket">whether a fresh socket gets the ticket's events (comment.created of the reply)</param>
    /// <param name="ToldOfReply">whether the reply reaches them as notification, notification.created and email</param>
    public sealed record ChangeKind(
        string RoleBefore, HttpStatusCode OldRefresh, bool CanSignIn, HttpStatusCode SeesTicket,
        bool KeepsAssignment, bool HearsTicket, bool ToldOfReply);

    private static readonly Dictionary<string, ChangeKind> Kinds = new()
    {
        ["agent_to_customer"] = new("agent", HttpStatusCode.OK, true, HttpStatusCode.NotFound, false, false, false),
        ["customer_to_agent"] = new("customer", HttpStatusCode.OK, true, HttpStatusCode.OK, false, true, false),
        ["deactivation"] = new("agent", HttpStatusCode.Unauthorized, false, HttpStatusCode.Unauthorized, false, false, false),
        ["reactivation"] = new("agent", HttpStatusCode.Unauthorized, true, HttpStatusCode.OK, false, true, false),
        ["password_change"] = new("agent", HttpStatusCode.Unauthorized, true, HttpStatusCode.OK, true, true, true),
    };

    public static TheoryData<string> KindNames => new(Kinds.Keys);

    private KestrelApp Server => fixture.Server;

    [Theory]
    [MemberData(nameof(KindNames))]
    public async Task Every_channel_follows_the_change(string kindName)
    {
        var kind = Kinds[kindName];
        var admin = await app.CreateUserAsync("admin");
        var requester = await app.RegisterCustomerAsync();
        var subject = kind.RoleBefore == "customer" ? await app.RegisterCustomerAsync() : await app.CreateUserAsync(kind.RoleBefore);
        using var asAdmin = app.ClientFor(admin);
        var ticketId = (await app.ClientFor(requester).CreateTicketAsync()).Id();
        if (kind.RoleBefore != "customer")
            Assert.Equal(HttpStatusCode.OK, (await asAdmin.PostAsJsonAsync($"/tickets/{ticketId}/assign", new { assignee_id = subject.Id })).StatusCode);

        var before = await SignInAsync(subject.Email, subject.Password);
        await using var oldSocket = await WsClient.ConnectAsync(Server.WebSocketUri, before.AccessToken);
        await using var requesterSocket = await WsClient.ConnectAsync(Server.WebSocketUri, requester.Token);
        await SubscribedAsync(requesterSocket, ticketId);

        var password = await ApplyAsync(kindName, asAdmin, subject, before);

        // Tokens from before the change are done with, on REST and on the open socket.
        using (var old = app.ClientWithToken(before.AccessToken))
            await (await old.GetAsync($"/tickets/{ticketId}")).AssertProblemAsync(HttpStatusCode.Unauthorized);
        Assert.Equal(WebSocketCloseStatus.PolicyViolation, (await oldSocket.ClosedAsync()).Status);
        // The socket closed before anything committed after the change could reach it: not even the release of the ticket.
        Assert.DoesNotContain(await DrainAsync(oldSocket), m => m.Str("type") == "ticket.assigned" && TicketOf(m) == ticketId
            && m.GetProperty("data").GetProperty("assignee_id").ValueKind == JsonValueKind.Null);
        using (var anonymous = app.Anonymous())
            Assert.Equal(kind.OldRefresh, (await anonymous.PostAsJsonAsync("/auth/refresh", new { refresh_token = before.RefreshToken })).StatusCode);

        // The assignment, its history row and its event.
        var assignee = (await asAdmin.GetTicketAsync(ticketId)).GetProperty("assignee_id");
        var released = kind.RoleBefore != "customer" && !kind.KeepsAssignment;
        Assert.Equal(kind.KeepsAssignment ? subject.Id.ToString() : null, assignee.ValueKind == JsonValueKind.Null ? null : assignee.GetString());
        if (released)
        {
            var history = (await asAdmin.GetOkAsync($"/tickets/{ticketId}/history")).Items().ToList();
            Assert.Contains(history, h => h.Str("action") == "assigned" && h.Str("old_value") == subject.Id.ToString()
                && h.GetProperty("new_value").ValueKind == JsonValueKind.Null);
            var assigned = await requesterSocket.NextMatchingAsync(m => m.Str("type") == "ticket.assigned"
                && m.GetProperty("data").GetProperty("assignee_id").ValueKind == JsonValueKind.Null);
            Assert.Equal(subject.Id, assigned.GetProperty("data").GetProperty("previous_assignee_id").GetGuid());
        }

        // A fresh sign-in, and a socket with it, where the change leaves one.
        HttpClient? fresh = null;
        WsClient? freshSocket = null;
        using (var anonymous = app.Anonymous())
        {
            var login = await anonymous.PostAsJsonAsync("/auth/login", new { email = subject.Email, password });
            Assert.Equal(kind.CanSignIn ? HttpStatusCode.OK : HttpStatusCode.Unauthorized, login.StatusCode);
            if (kind.CanSignIn)
            {
                var token = (await login.ReadAsync<AuthBody>()).AccessToken;
                fresh = app.ClientWithToken(token);
                freshSocket = await WsClient.ConnectAsync(Server.WebSocketUri, token);
                Assert.Equal(kind.SeesTicket, (await fresh.GetAsync($"/tickets/{ticketId}")).StatusCode);
            }
        }

        try
        {
            // The customer replies: that tells whoever holds the ticket, and every socket allowed to see it.
            var reply = $"Still broken {Guid.NewGuid():N}";
            await app.ClientFor(requester).AddCommentAsync(ticketId, reply);

            if (freshSocket is not null)
            {
                // Events arrive in commit order: once the subject's own later ticket is announced, anything about the reply has come.
                var sentinel = (await fresh!.CreateTicketAsync()).Id();
                var heard = await UntilAsync(freshSocket, m => m.Str("type") == "ticket.created" && TicketOf(m) == sentinel);
                Assert.Equal(kind.HearsTicket, heard.Any(m => m.Str("type") == "comment.created" && TicketOf(m) == ticketId));
                Assert.Equal(kind.ToldOfReply, heard.Any(m => m.Str("type") == "notification.created" && m.GetProperty("data").Str("body") == reply));
                var stored = await fresh!.GetOkAsync("/notifications?limit=100");
                Assert.Equal(kind.ToldOfReply, stored.Items().Any(n => n.Str("body") == reply));
            }
            await using var db = await app.OpenConnectionAsync();
            Assert.Equal(kind.ToldOfReply ? 1 : 0, await db.ExecuteScalarAsync<int>(
                "SELECT count(*) FROM notifications WHERE user_id = @Id AND ticket_id = @ticketId AND body = @reply",
                new { subject.Id, ticketId, reply }));
            Assert.Equal(kind.ToldOfReply ? 1 : 0, await db.ExecuteScalarAsync<int>(
                "SELECT count(*) FROM email_outbox WHERE recipient_id = @Id AND ticket_id = @ticketId AND template_key = 'comment_added' AND text_body LIKE '%' || @reply || '%'",
                new { subject.Id, ticketId, reply }));
        }
        finally
        {
            fresh?.Dispose();
            if (freshSocket is not null)
                await freshSocket.DisposeAsync();
        }
    }

    /// <summary>Applies the change; returns the password the subject has afterwards.</summary>
    private async Task<string> ApplyAsync(string kindName, HttpClient asAdmin, TestUser subject, AuthBody before)
    {
        async Task PatchAsync(object body) =>
            Assert.Equal(HttpStatusCode.OK, (await asAdmin.PatchJsonAsync($"/users/{subject.Id}", body)).StatusCode);

        switch (kindName)
        {
            case "agent_to_customer":
                await PatchAsync(new { role = "customer" });
                return subject.Password;
            case "customer_to_agent":
                await PatchAsync(new { role = "agent" });
                return subject.Password;
            case "deactivation":
                await PatchAsync(new { is_active = false });
                return subject.Password;
            case "reactivation":
                await PatchAsync(new { is_active = false });
                await PatchAsync(new { is_active = true });
                return subject.Password;
            case "password_change":
                using (var own = app.ClientWithToken(before.AccessToken))
                {
                    const string changed = "a-brand-new-password";
                    var response = await own.PostAsJsonAsync("/auth/change-password", new { current_password = subject.Password, new_password = changed });
                    Assert.Equal(HttpStatusCode.OK, response.StatusCode);
                    return changed;
                }
            default:
                throw new ArgumentOutOfRangeException(nameof(kindName), kindName, null);
        }
    }

    private async Task<AuthBody> SignInAsync(string email, string password)
    {
        using var client = app.Anonymous();
        var response = await client.PostAsJsonAsync("/auth/login", new { email, password });
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return await response.ReadAsync<AuthBody>();
    }

    // A socket that follows one ticket gets only that ticket's events (and its own notifications): no other test's noise.
    private static async Task SubscribedAsync(WsClient socket, Guid ticketId)
    {
        await socket.SendJsonAsync(new { action = "subscribe", ticket_id = ticketId });
        Assert.Equal("subscribed", (await socket.NextMatchingAsync(m => m.Str("type") is "subscribed" or "error")).Str("type"));
    }

    private static Guid? TicketOf(JsonElement message) =>
        message.TryGetProperty("ticket_id", out var t) && t.ValueKind == JsonValueKind.String ? t.GetGuid() : null;

    /// <summary>What a closed socket received before its close frame.</summary>
    private static async Task<List<JsonElement>> DrainAsync(WsClient socket)
    {
        var messages = new List<JsonElement>();
        try
        {
            while (true)
                messages.Add(await socket.NextAsync(TimeSpan.FromSeconds(1)));
        }
        catch (InvalidOperationException)
        {
            return messages; // the close frame: nothing more was received
        }
    }

    /// <summary>Every message up to and including the first that matches.</summary>
    private static async Task<List<JsonElement>> UntilAsync(WsClient socket, Func<JsonElement, bool> last)
    {
        var messages = new List<JsonElement>();
        while (true)
        {
            var message = await socket.NextAsync();
            messages.Add(message);
            if (last(message))
                return messages;
        }
    }
}
