using System.Net;
using System.Text.Json;
using Dapper;

namespace SupportDesk.Tests.Features.Tickets;

public sealed class CommentTests(AppFixture app)
{
    [Fact]
    public async Task Private_comments_and_their_history_are_invisible_to_the_customer()
    {
        var customer = await app.RegisterCustomerAsync();
        var agent = await app.CreateUserAsync("agent");
        using var asCustomer = app.ClientFor(customer);
        using var asAgent = app.ClientFor(agent);
        var ticket = await asCustomer.CreateTicketAsync();

        var pub = await asAgent.AddCommentAsync(ticket.Id(), "Working on this issue");
        var priv = await asAgent.AddCommentAsync(ticket.Id(), "Customer seems confused", "private");
        Assert.Equal("private", priv.Str("comment_type"));
        Assert.Equal("public", pub.Str("comment_type"));
        Assert.Equal(agent.Id, pub.GetProperty("author_id").GetGuid());

        var customerView = await (await asCustomer.GetAsync($"/tickets/{ticket.Id()}/comments")).JsonAsync();
        Assert.Equal(1, customerView.GetProperty("total").GetInt64());
        Assert.Equal([pub.Id()], customerView.Items().Select(c => c.Id()));
        var agentView = await (await asAgent.GetAsync($"/tickets/{ticket.Id()}/comments")).JsonAsync();
        Assert.Equal([pub.Id(), priv.Id()], agentView.Items().Select(c => c.Id()));

        var customerHistory = await (await asCustomer.GetAsync($"/tickets/{ticket.Id()}/history")).JsonAsync();
        Assert.DoesNotContain(priv.Id().ToString(), customerHistory.GetRawText());
        var agentHistory = await (await asAgent.GetAsync($"/tickets/{ticket.Id()}/history")).JsonAsync();
        Assert.Contains(agentHistory.Items(), h => h.Str("action") == "commented" && h.Str("new_value") == priv.Id().ToString());
    }

    [Fact]
    public async Task A_private_comment_leaves_the_etag_and_updated_at_the_customer_sees_unchanged()
    {
        var customer = await app.RegisterCustomerAsync();
        using var asCustomer = app.ClientFor(customer);
        using var asAgent = app.ClientFor(await app.CreateUserAsync("agent"));
        var ticket = await asCustomer.CreateTicketAsync();
        var before = await asCustomer.GetAsync($"/tickets/{ticket.Id()}");
        var beforeBody = await before.JsonAsync();

        await asAgent.AddCommentAsync(ticket.Id(), "Internal: check the logs first", "private");
        var afterPrivate = await asCustomer.GetAsync($"/tickets/{ticket.Id()}");
        var afterPrivateBody = await afterPrivate.JsonAsync();
        Assert.Equal(before.Headers.ETag, afterPrivate.Headers.ETag);
        Assert.Equal(beforeBody.Str("updated_at"), afterPrivateBody.Str("updated_at"));
        Assert.Equal(beforeBody.GetRawText(), afterPrivateBody.GetRawText());

        await asAgent.AddCommentAsync(ticket.Id(), "We are on it");
        var afterPublic = await asCustomer.GetAsync($"/tickets/{ticket.Id()}");
        Assert.NotEqual(before.Headers.ETag, afterPublic.Headers.ETag);
    }

    [Fact]
    public async Task The_first_public_agent_reply_sets_first_response_at()
    {
        var customer = await app.RegisterCustomerAsync();
        var agent = await app.CreateUserAsync("agent");
        using var asCustomer = app.ClientFor(customer);
        using var asAgent = app.ClientFor(agent);
        var ticket = await asCustomer.CreateTicketAsync();

        await asCustomer.AddCommentAsync(ticket.Id(), "Hello?");
        await asAgent.AddCommentAsync(ticket.Id(), "internal note", "private");
        Assert.Equal(JsonValueKind.Null, (await asAgent.GetTicketAsync(ticket.Id())).GetProperty("first_response_at").ValueKind);

        await asAgent.AddCommentAsync(ticket.Id(), "We are on it");
        var first = (await asAgent.GetTicketAsync(ticket.Id())).GetProperty("first_response_at").GetDateTime();
        await asAgent.AddCommentAsync(ticket.Id(), "Still on it");
        Assert.Equal(first, (await asAgent.GetTicketAsync(ticket.Id())).GetProperty("first_response_at").GetDateTime());
    }

    [Theory]
    [InlineData("pending")]
    [InlineData("resolved")]
    public async Task A_customer_reply_moves_a_waiting_ticket_back_to_open(string waiting)
    {
        var customer = await app.RegisterCustomerAsync();
        var agent = await app.CreateUserAsync("agent");
        using var asCustomer = app.ClientFor(customer);
        using var asAgent = app.ClientFor(agent);
        var ticket = await asCustomer.CreateTicketAsync();
        Assert.Equal(HttpStatusCode.OK, (await asAgent.PatchJsonAsync($"/tickets/{ticket.Id()}", new { status = waiting })).StatusCode);

        await asCustomer.AddCommentAsync(ticket.Id(), "Here is the information you asked for");

        var current = await asAgent.GetTicketAsync(ticket.Id());
        Assert.Equal("open", current.Str("status"));
        Assert.Equal(JsonValueKind.Null, current.GetProperty("resolved_at").ValueKind);
        await using var db = await app.OpenConnectionAsync();
        var last = await db.QuerySingleAsync<(string Action, string OldValue, string NewValue, Guid ActorId)>(
            "SELECT action, old_value, new_value, actor_id FROM ticket_history WHERE ticket_id = @id AND action = 'status_changed' ORDER BY created_at DESC, id DESC LIMIT 1",
            new { id = ticket.Id() });
        Assert.Equal(("status_changed", waiting, "open", customer.Id), last);
    }

    [Fact]
    public async Task An_agent_reply_does_not_reopen_and_comments_page()
    {
        var customer = await app.RegisterCustomerAsync();
        var agent = await app.CreateUserAsync("agent");
        using var asAgent = app.ClientFor(agent);
        var ticket = await app.ClientFor(customer).CreateTicketAsync();
        Assert.Equal(HttpStatusCode.OK, (await asAgent.PatchJsonAsync($"/tickets/{ticket.Id()}", new { status = "pending" })).StatusCode);
        for (var i = 0; i < 5; i++)
            await asAgent.AddCommentAsync(ticket.Id(), $"Reply {i}");

        Assert.Equal("pending", (await asAgent.GetTicketAsync(ticket.Id())).Str("status"));
        var page = await (await asAgent.GetAsync($"/tickets/{ticket.Id()}/comments?limit=2&offset=2")).JsonAsync();
        Assert.Equal(5, page.GetProperty("total").GetInt64());
        Assert.Equal(["Reply 2", "Reply 3"], page.Items().Select(c => c.Str("content")));
    }

    [Theory]
    [InlineData("{}", "content")]
    [InlineData("{\"content\":\"  \"}", "content")]
    [InlineData("{\"content\":\"x\",\"comment_type\":\"internal\"}", "comment_type")]
    [InlineData("{\"content\":42}", "content")]
    public async Task Bad_comment_bodies_are_400_and_write_nothing(string body, string field)
    {
        var customer = await app.RegisterCustomerAsync();
        using var client = app.ClientFor(customer);
        var ticket = await client.CreateTicketAsync();
        var response = await client.PostAsync($"/tickets/{ticket.Id()}/comments", new StringContent(body, System.Text.Encoding.UTF8, "application/json"));
        await response.AssertProblemAsync(HttpStatusCode.BadRequest, field);
        await using var db = await app.OpenConnectionAsync();
        Assert.Equal(0, await db.ExecuteScalarAsync<int>("SELECT count(*) FROM comments WHERE ticket_id = @id", new { id = ticket.Id() }));
    }
}
