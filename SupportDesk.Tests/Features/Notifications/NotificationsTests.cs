using System.Net;
using System.Text.Json;
using Dapper;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;
using SupportDesk.Infrastructure.Notifications;
using SupportDesk.Infrastructure.Realtime;

namespace SupportDesk.Tests.Features.Notifications;

public sealed class NotificationsTests(AppFixture app, RealtimeServerFixture fixture) : IClassFixture<RealtimeServerFixture>
{
    private async Task CreateAsync(NewNotification notification, bool commit = true)
    {
        var services = app.Factory.Services;
        await using var connection = await services.GetRequiredService<NpgsqlDataSource>().OpenConnectionAsync();
        await using var transaction = await connection.BeginTransactionAsync();
        await services.GetRequiredService<NotificationWriter>().CreateAsync(connection, transaction, notification, CancellationToken.None);
        if (commit)
            await transaction.CommitAsync();
        else
            await transaction.RollbackAsync();
    }

    [Fact]
    public async Task Creating_a_notification_stores_it_and_tells_only_that_users_sockets_at_commit()
    {
        var customer = await app.RegisterCustomerAsync();
        var other = await app.RegisterCustomerAsync();
        var agent = await app.CreateUserAsync("agent");
        var ticket = await app.InsertTicketAsync(customer.Id);
        await using var mine = await WsClient.ConnectAsync(fixture.Server.WebSocketUri, customer.Token);
        await using var theirs = await WsClient.ConnectAsync(fixture.Server.WebSocketUri, other.Token);
        await using var staff = await WsClient.ConnectAsync(fixture.Server.WebSocketUri, agent.Token);

        await CreateAsync(new NewNotification(customer.Id, "ticket.reply", "Rolled back", "x", ticket, null), commit: false);
        await CreateAsync(new NewNotification(customer.Id, "ticket.reply", "New reply on your ticket", "We are on it.", ticket, new { CommentId = Guid.Empty }));
        await CreateAsync(new NewNotification(other.Id, "ticket.reply", "For the other one", "", null, null));

        var received = await mine.NextAsync();
        Assert.Equal("notification.created", received.GetProperty("type").GetString());
        Assert.Equal(ticket, received.GetProperty("ticket_id").GetGuid());
        var data = received.GetProperty("data");
        Assert.Equal("New reply on your ticket", data.GetProperty("title").GetString());
        Assert.Equal(Guid.Empty, data.GetProperty("data").GetProperty("comment_id").GetGuid());
        Assert.Equal(JsonValueKind.Null, data.GetProperty("read_at").ValueKind);
        Assert.Equal("For the other one", (await theirs.NextAsync()).GetProperty("data").GetProperty("title").GetString());
        // Staff sockets get every ticket event, but not other people's notifications (even about a ticket).
        await fixture.Server.PublishAsync(RealtimeTestData.Comment(ticket, customer.Id, true, "after"));
        Assert.Equal("comment.created", (await staff.NextForTicketAsync(ticket)).GetProperty("type").GetString());

        await using var db = await app.OpenConnectionAsync();
        var rows = (await db.QueryAsync<(Guid Id, string Title, Guid? TicketId)>(
            "SELECT id, title, ticket_id FROM notifications WHERE user_id = @Id", new { customer.Id })).ToList();
        Assert.Equal(("New reply on your ticket", (Guid?)ticket), (Assert.Single(rows).Title, rows[0].TicketId));
        Assert.Equal(rows[0].Id, data.GetProperty("id").GetGuid());
    }

    [Fact]
    public async Task Inactive_users_get_no_notification_and_long_text_is_cut()
    {
        var inactive = await app.RegisterCustomerAsync();
        var active = await app.RegisterCustomerAsync();
        await using var db = await app.OpenConnectionAsync();
        await db.ExecuteAsync("UPDATE users SET is_active = false WHERE id = @Id", new { inactive.Id });

        await CreateAsync(new NewNotification(inactive.Id, "t", "title", "body", null, null));
        await CreateAsync(new NewNotification(active.Id, "t", new string('t', 500), new string('b', 5000), null, null));

        Assert.Equal(0, await db.ExecuteScalarAsync<int>("SELECT count(*) FROM notifications WHERE user_id = @Id", new { inactive.Id }));
        var (title, body) = await db.QuerySingleAsync<(string, string)>("SELECT title, body FROM notifications WHERE user_id = @Id", new { active.Id });
        Assert.Equal(NotificationWriter.MaxTitleLength, title.Length);
        Assert.Equal(NotificationWriter.MaxBodyLength, body.Length);
        Assert.EndsWith("…", body);
    }

    [Fact]
    public async Task Routes_list_count_and_mark_read_only_my_own_notifications()
    {
        var me = await app.RegisterCustomerAsync();
        var someoneElse = await app.RegisterCustomerAsync();
        for (var i = 1; i <= 3; i++)
            await CreateAsync(new NewNotification(me.Id, "ticket.status_changed", $"n{i}", "body", null, null));
        await CreateAsync(new NewNotification(someoneElse.Id, "ticket.status_changed", "theirs", "body", null, null));
        await using var db = await app.OpenConnectionAsync();
        var theirId = await db.ExecuteScalarAsync<Guid>("SELECT id FROM notifications WHERE user_id = @Id", new { someoneElse.Id });
        using var client = app.ClientFor(me);

        var all = await (await client.GetAsync("/notifications")).JsonAsync();
        Assert.Equal(3, all.GetProperty("total").GetInt64());
        Assert.Equal(["n3", "n2", "n1"], all.GetProperty("items").EnumerateArray().Select(n => n.GetProperty("title").GetString()));
        Assert.Equal(20, all.GetProperty("limit").GetInt32());
        var page = await (await client.GetAsync("/notifications?limit=1&offset=1")).JsonAsync();
        Assert.Equal("n2", Assert.Single(page.GetProperty("items").EnumerateArray()).GetProperty("title").GetString());
        Assert.Equal(3, (await (await client.GetAsync("/notifications/unread-count")).JsonAsync()).GetProperty("count").GetInt64());

        var n2 = page.GetProperty("items")[0].GetProperty("id").GetGuid();
        var read = await client.PostAsync($"/notifications/{n2}/read", null);
        Assert.Equal(HttpStatusCode.OK, read.StatusCode);
        var readAt = (await read.JsonAsync()).GetProperty("read_at").GetDateTime();
        var again = await (await client.PostAsync($"/notifications/{n2}/read", null)).JsonAsync();
        Assert.Equal(readAt, again.GetProperty("read_at").GetDateTime());
        Assert.Equal(2, (await (await client.GetAsync("/notifications/unread-count")).JsonAsync()).GetProperty("count").GetInt64());
        var unread = await (await client.GetAsync("/notifications?unread=true")).JsonAsync();
        Assert.Equal(["n3", "n1"], unread.GetProperty("items").EnumerateArray().Select(n => n.GetProperty("title").GetString()));
        Assert.Equal(2, unread.GetProperty("total").GetInt64());

        // Someone else's notification does not exist for me, and stays unread.
        await (await client.PostAsync($"/notifications/{theirId}/read", null)).AssertProblemAsync(HttpStatusCode.NotFound);
        await (await client.PostAsync($"/notifications/{Guid.CreateVersion7()}/read", null)).AssertProblemAsync(HttpStatusCode.NotFound);
        Assert.Null(await db.ExecuteScalarAsync<DateTime?>("SELECT read_at FROM notifications WHERE id = @theirId", new { theirId }));

        var readAll = await (await client.PostAsync("/notifications/read-all", null)).JsonAsync();
        Assert.Equal(2, readAll.GetProperty("updated").GetInt32());
        Assert.Equal(0, (await (await client.GetAsync("/notifications/unread-count")).JsonAsync()).GetProperty("count").GetInt64());
        Assert.Equal(0, await db.ExecuteScalarAsync<int>("SELECT count(*) FROM notifications WHERE user_id = @Id AND read_at IS NULL", new { me.Id }));
        Assert.Equal(1, await db.ExecuteScalarAsync<int>("SELECT count(*) FROM notifications WHERE user_id = @Id AND read_at IS NULL", new { someoneElse.Id }));
    }

    [Fact]
    public async Task Routes_need_a_user_and_valid_paging()
    {
        var me = await app.RegisterCustomerAsync();
        using var client = app.ClientFor(me);
        using var anonymous = app.Anonymous();

        await (await anonymous.GetAsync("/notifications")).AssertProblemAsync(HttpStatusCode.Unauthorized);
        await (await anonymous.GetAsync("/notifications/unread-count")).AssertProblemAsync(HttpStatusCode.Unauthorized);
        await (await anonymous.PostAsync("/notifications/read-all", null)).AssertProblemAsync(HttpStatusCode.Unauthorized);
        await (await client.GetAsync("/notifications?limit=0")).AssertProblemAsync(HttpStatusCode.BadRequest, "limit");
        await (await client.GetAsync("/notifications?limit=101")).AssertProblemAsync(HttpStatusCode.BadRequest, "limit");
        await (await client.GetAsync("/notifications?offset=-1")).AssertProblemAsync(HttpStatusCode.BadRequest, "offset");
        await (await client.GetAsync("/notifications?unread=maybe")).AssertProblemAsync(HttpStatusCode.BadRequest);
        await (await client.PostAsync("/notifications/not-a-uuid/read", null)).AssertProblemAsync(HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task Nobody_is_told_about_a_ticket_they_may_not_see_even_when_still_named_on_it()
    {
        // A customer left as assignee (written before assignments were released, or by a change racing a demotion):
        // the rule is checked in the statements that write the notification and the email, not taken from the ticket.
        var requester = await app.RegisterCustomerAsync();
        var named = await app.RegisterCustomerAsync();
        var ticket = (await app.ClientFor(requester).CreateTicketAsync()).Id();
        await using var db = await app.OpenConnectionAsync();
        await db.ExecuteAsync("UPDATE tickets SET assignee_id = @assignee WHERE id = @ticket", new { assignee = named.Id, ticket });
        await using var socket = await WsClient.ConnectAsync(fixture.Server.WebSocketUri, named.Token);
        using var asNamed = app.ClientFor(named);
        Assert.Equal(HttpStatusCode.NotFound, (await asNamed.GetAsync($"/tickets/{ticket}")).StatusCode);

        var reply = $"Only for those who may see it {Guid.NewGuid():N}";
        await app.ClientFor(requester).AddCommentAsync(ticket, reply);
        // Their own later ticket is announced after anything the reply could have sent them (commit order).
        var sentinel = (await asNamed.CreateTicketAsync()).Id();
        var heard = new List<JsonElement>();
        do
            heard.Add(await socket.NextAsync());
        while (!(heard[^1].GetProperty("type").GetString() == "ticket.created" && heard[^1].GetProperty("ticket_id").GetGuid() == sentinel));

        Assert.DoesNotContain(heard, m => m.GetProperty("type").GetString() == "notification.created");
        Assert.Equal(0, (await asNamed.GetOkAsync("/notifications/unread-count")).GetProperty("count").GetInt32());
        Assert.Equal(0, await db.ExecuteScalarAsync<int>("SELECT count(*) FROM notifications WHERE user_id = @Id AND ticket_id = @ticket", new { named.Id, ticket }));
        Assert.Equal(0, await db.ExecuteScalarAsync<int>("SELECT count(*) FROM email_outbox WHERE recipient_id = @Id AND ticket_id = @ticket", new { named.Id, ticket }));
    }

    [Fact]
    public async Task A_notification_about_a_ticket_leaves_every_route_once_its_user_may_no_longer_see_the_ticket()
    {
        var requester = await app.RegisterCustomerAsync();
        var agent = await app.CreateUserAsync("agent");
        using var asAdmin = app.ClientFor(await app.CreateUserAsync("admin"));
        var ticket = (await app.ClientFor(requester).CreateTicketAsync()).Id();
        var secret = $"The customer's reply {Guid.NewGuid():N}";
        await CreateAsync(new NewNotification(agent.Id, "ticket.reply", "New reply", secret, ticket, null));
        await CreateAsync(new NewNotification(agent.Id, "account.notice", "About your account", "no ticket", null, null));
        var aboutTicket = (await app.ClientFor(agent).GetOkAsync("/notifications")).Items().Single(n => n.Str("body") == secret).Id();

        Assert.Equal(HttpStatusCode.OK, (await asAdmin.PatchJsonAsync($"/users/{agent.Id}", new { role = "customer" })).StatusCode);
        using var asDemoted = app.ClientWithToken(await app.LoginAsync(agent.Email, agent.Password));

        var page = await asDemoted.GetOkAsync("/notifications");
        Assert.Equal("no ticket", Assert.Single(page.Items()).Str("body"));
        Assert.Equal(1, page.GetProperty("total").GetInt32());
        Assert.Single((await asDemoted.GetOkAsync("/notifications?unread=true")).Items());
        Assert.Equal(1, (await asDemoted.GetOkAsync("/notifications/unread-count")).GetProperty("count").GetInt32());
        await (await asDemoted.PostAsync($"/notifications/{aboutTicket}/read", null)).AssertProblemAsync(HttpStatusCode.NotFound);
        Assert.Equal(1, (await (await asDemoted.PostAsync("/notifications/read-all", null)).JsonAsync()).GetProperty("updated").GetInt32());
    }
}
