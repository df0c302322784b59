using System.Net;
using System.Net.Http.Json;
using System.Text.RegularExpressions;
using Dapper;

namespace SupportDesk.Tests.Features.Tickets;

/// <summary>Who is emailed about what: outbox rows written by the ticket routes (the shared app has no SMTP, so rows wait).</summary>
public sealed class TicketEmailTests(AppFixture app)
{
    private sealed record Queued(string TemplateKey, Guid RecipientId, string Subject, string TextBody);

    private async Task<List<Queued>> QueuedAsync(Guid ticketId)
    {
        await using var db = await app.OpenConnectionAsync();
        return (await db.QueryAsync<Queued>(
            "SELECT template_key, recipient_id, subject, text_body FROM email_outbox WHERE ticket_id = @ticketId ORDER BY created_at, id",
            new { ticketId })).AsList();
    }

    [Fact]
    public async Task The_requester_gets_a_confirmation_with_the_ticket_number_in_the_subject()
    {
        var customer = await app.RegisterCustomerAsync();
        var ticket = await app.ClientFor(customer).CreateTicketAsync(new { title = "Printer on fire", description = "Smoke everywhere" });

        var queued = Assert.Single(await QueuedAsync(ticket.Id()));
        Assert.Equal(("ticket_created", customer.Id), (queued.TemplateKey, queued.RecipientId));
        Assert.Contains($"[#{ticket.GetProperty("number").GetInt64()}]", queued.Subject);
        Assert.Contains("Printer on fire", queued.TextBody);
    }

    [Fact]
    public async Task Public_agent_replies_reach_the_requester_and_private_ones_never_do()
    {
        var customer = await app.RegisterCustomerAsync();
        var agent = await app.CreateUserAsync("agent");
        var ticket = await app.ClientFor(customer).CreateTicketAsync();
        using var asAgent = app.ClientFor(agent);

        await asAgent.AddCommentAsync(ticket.Id(), "Internal: customer is on the legacy plan", "private");
        await asAgent.AddCommentAsync(ticket.Id(), "Please restart the app and try again");

        var replies = (await QueuedAsync(ticket.Id())).Where(q => q.TemplateKey == "comment_added").ToList();
        var reply = Assert.Single(replies);
        Assert.Equal(customer.Id, reply.RecipientId);
        Assert.Contains("Please restart the app", reply.TextBody);
        Assert.DoesNotContain((await QueuedAsync(ticket.Id())), q => q.TextBody.Contains("legacy plan"));
    }

    [Fact]
    public async Task Customer_replies_reach_the_assignee_only_when_there_is_one()
    {
        var customer = await app.RegisterCustomerAsync();
        var agent = await app.CreateUserAsync("agent");
        using var asCustomer = app.ClientFor(customer);
        var ticket = await asCustomer.CreateTicketAsync();

        await asCustomer.AddCommentAsync(ticket.Id(), "Anyone there?");
        Assert.DoesNotContain(await QueuedAsync(ticket.Id()), q => q.TemplateKey == "comment_added");

        await app.ClientFor(agent).PostAsJsonAsyncOk($"/tickets/{ticket.Id()}/assign", new { assignee_id = agent.Id });
        await asCustomer.AddCommentAsync(ticket.Id(), "Here are the logs");

        var reply = Assert.Single(await QueuedAsync(ticket.Id()), q => q.TemplateKey == "comment_added");
        Assert.Equal(agent.Id, reply.RecipientId);
    }

    [Fact]
    public async Task Status_changes_reach_the_requester_and_assignments_the_assignee_but_never_the_actor()
    {
        var customer = await app.RegisterCustomerAsync();
        var agent = await app.CreateUserAsync("agent");
        var other = await app.CreateUserAsync("agent");
        using var asCustomer = app.ClientFor(customer);
        using var asAgent = app.ClientFor(agent);
        var ticket = await asCustomer.CreateTicketAsync();

        Assert.Equal(HttpStatusCode.OK, (await asAgent.PatchJsonAsync($"/tickets/{ticket.Id()}", new { status = "in_progress", assignee_id = agent.Id })).StatusCode);
        await asAgent.PostAsJsonAsyncOk($"/tickets/{ticket.Id()}/assign", new { assignee_id = other.Id });
        Assert.Equal(HttpStatusCode.OK, (await asCustomer.PatchJsonAsync($"/tickets/{ticket.Id()}", new { status = "closed" })).StatusCode);

        var queued = await QueuedAsync(ticket.Id());
        var statusMail = Assert.Single(queued, q => q.TemplateKey == "ticket_status_changed");
        Assert.Equal(customer.Id, statusMail.RecipientId);
        Assert.Contains("from open to in progress", statusMail.TextBody);
        var assigned = Assert.Single(queued, q => q.TemplateKey == "ticket_assigned");
        Assert.Equal(other.Id, assigned.RecipientId);
    }

    [Fact]
    public async Task Inactive_users_get_nothing()
    {
        var customer = await app.RegisterCustomerAsync();
        var agent = await app.CreateUserAsync("agent");
        var ticket = await app.ClientFor(customer).CreateTicketAsync();
        await using (var db = await app.OpenConnectionAsync())
            await db.ExecuteAsync("UPDATE users SET is_active = false WHERE id = @Id", new { customer.Id });

        await app.ClientFor(agent).AddCommentAsync(ticket.Id(), "Are you still there?");

        Assert.DoesNotContain(await QueuedAsync(ticket.Id()), q => q.TemplateKey == "comment_added");
    }
}

/// <summary>The whole path over a real SMTP server: a ticket route, the outbox, the sender, the mail that arrives.</summary>
public sealed class TicketEmailDeliveryTests
{
    [Fact]
    public async Task An_agent_reply_arrives_in_the_requesters_mailbox_threaded_under_the_ticket()
    {
        await using var smtp = await SmtpTestServer.StartAsync();
        await using var database = await TestDatabase.CreateAsync("sd_ticketmail");
        await using var factory = new SupportDeskFactory(EmailTestData.SmtpSettings(database.Url, smtp.Port));
        using var anonymous = factory.CreateClient();

        var email = AppFixture.UniqueEmail("cara");
        var registered = await (await anonymous.PostAsJsonAsync("/auth/register", new { email, password = "password123", first_name = "Cara", last_name = "Customer" })).ReadAsync<AuthBody>();
        using var asCustomer = factory.CreateClient();
        asCustomer.DefaultRequestHeaders.Authorization = new("Bearer", registered.AccessToken);
        var ticket = await asCustomer.CreateTicketAsync(new { title = "Cannot export <b>reports</b>", description = "CSV export fails" });

        await using (var db = new Npgsql.NpgsqlConnection(database.ConnectionString))
            await db.ExecuteAsync("INSERT INTO users (id, email, password_hash, first_name, last_name, role) VALUES (@id, 'agent@mail.test', @hash, 'Alex', 'Agent', 'agent')",
                new { id = Guid.CreateVersion7(), hash = BCrypt.Net.BCrypt.HashPassword("agent-password", 4) });
        var agentLogin = await (await anonymous.PostAsJsonAsync("/auth/login", new { email = "agent@mail.test", password = "agent-password" })).ReadAsync<AuthBody>();
        using var asAgent = factory.CreateClient();
        asAgent.DefaultRequestHeaders.Authorization = new("Bearer", agentLogin.AccessToken);
        await asAgent.AddCommentAsync(ticket.Id(), "Fixed in version 2.1 <script>alert(1)</script>");

        var received = await smtp.WaitForAsync(email, count: 2);
        var number = ticket.GetProperty("number").GetInt64();
        var reply = Assert.Single(received, r => r.Message.TextBody?.Contains("Fixed in version 2.1") == true);
        Assert.Contains($"[#{number}]", reply.Message.Subject);
        Assert.Equal(email, Assert.Single(reply.EnvelopeTo));
        Assert.Contains($"ticket-{ticket.Id()}@", reply.Message.InReplyTo);
        Assert.Contains("&lt;script&gt;", reply.Message.HtmlBody);
        Assert.DoesNotContain("<script>", reply.Message.HtmlBody);
        var confirmation = Assert.Single(received, r => r != reply);
        Assert.Contains(confirmation.Message.MessageId, reply.Message.References.Select(r => r));
    }

    [Fact]
    public async Task Forgot_password_mails_a_link_whose_token_resets_the_password()
    {
        await using var smtp = await SmtpTestServer.StartAsync();
        await using var database = await TestDatabase.CreateAsync("sd_resetmail");
        await using var factory = new SupportDeskFactory(EmailTestData.SmtpSettings(database.Url, smtp.Port));
        using var client = factory.CreateClient();
        var email = AppFixture.UniqueEmail("forgetful");
        Assert.Equal(HttpStatusCode.Created, (await client.PostAsJsonAsync("/auth/register", new { email, password = "old-password-1", first_name = "F", last_name = "G" })).StatusCode);

        Assert.Equal(HttpStatusCode.Accepted, (await client.PostAsJsonAsync("/auth/forgot-password", new { email })).StatusCode);

        var mail = Assert.Single(await smtp.WaitForAsync(email));
        var token = Uri.UnescapeDataString(Regex.Match(mail.Message.TextBody!, @"token=([^\s""<]+)").Groups[1].Value);
        Assert.False(string.IsNullOrEmpty(token));
        Assert.Equal(HttpStatusCode.NoContent, (await client.PostAsJsonAsync("/auth/reset-password", new { token, new_password = "new-password-1" })).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await client.PostAsJsonAsync("/auth/login", new { email, password = "new-password-1" })).StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, (await client.PostAsJsonAsync("/auth/reset-password", new { token, new_password = "again-password-1" })).StatusCode);
    }
}
