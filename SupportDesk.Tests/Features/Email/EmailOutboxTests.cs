using System.Net;
using System.Net.Http.Json;
using Dapper;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using SupportDesk.Infrastructure.Email;

namespace SupportDesk.Tests.Features.Email;

/// <summary>
/// Enqueueing and the outbox admin routes on the shared app, which has no EMAIL_SMTP_HOST: rows stay pending,
/// so what EnqueueAsync wrote can be read back exactly.
/// </summary>
public sealed class EmailOutboxTests(AppFixture app)
{
    private EmailOutbox Outbox => app.Factory.Services.GetRequiredService<EmailOutbox>();

    [Fact]
    public async Task A_committed_enqueue_writes_one_rendered_pending_row_with_thread_headers()
    {
        await using var db = await app.OpenConnectionAsync();
        var customer = await EmailTestData.CreateUserAsync(db, firstName: "Zoë", lastName: "Ng");
        var ticket = await EmailTestData.CreateTicketAsync(db, customer.Id, "Invoice missing");

        var first = await EmailTestData.EnqueueCommittedAsync(Outbox, app.Database.ConnectionString,
            new OutgoingEmail(EmailTemplateKeys.TicketCreated, customer.Id, ticket.Id, new EmailModel { TicketTitle = ticket.Title, TicketPriority = "low" }));
        var second = await EmailTestData.EnqueueCommittedAsync(Outbox, app.Database.ConnectionString,
            new OutgoingEmail(EmailTemplateKeys.CommentAdded, customer.Id, ticket.Id, EmailTestData.TicketModel(ticket, "We are on it.")));

        var row = (await EmailTestData.RowAsync(db, first!.Value))!;
        Assert.Equal(EmailOutboxStatus.Pending, row.Status);
        Assert.Equal(0, row.Attempts);
        Assert.Equal(customer.Email, row.ToAddress);
        Assert.Equal("Zoë Ng", row.ToName);
        Assert.Equal(ticket.Id, row.TicketId);
        // The ticket number comes from the ticket row when the caller leaves it out.
        Assert.Equal($"[#{ticket.Number}] We received your request: Invoice missing", row.Subject);
        Assert.Contains("Hello Zoë,", row.TextBody);
        Assert.Contains($"<strong>#{ticket.Number} Invoice missing</strong>", row.HtmlBody);
        Assert.Equal($"<{row.Id}@localhost>", row.MessageId);
        Assert.Equal($"<ticket-{ticket.Id}@localhost>", row.InReplyTo);
        Assert.Equal($"<ticket-{ticket.Id}@localhost>", row.ReferencesHeader);

        var reply = (await EmailTestData.RowAsync(db, second!.Value))!;
        Assert.Equal($"[#{ticket.Number}] New reply: Invoice missing", reply.Subject);
        Assert.Contains("We are on it.", reply.TextBody);
        Assert.Equal(row.InReplyTo, reply.InReplyTo);
        Assert.Equal($"<ticket-{ticket.Id}@localhost> {row.MessageId}", reply.ReferencesHeader);
    }

    [Fact]
    public async Task A_rolled_back_enqueue_leaves_no_row()
    {
        await using var db = await app.OpenConnectionAsync();
        var customer = await EmailTestData.CreateUserAsync(db);
        await using (var tx = await db.BeginTransactionAsync())
        {
            var id = await Outbox.TryEnqueueAsync(db, tx, new OutgoingEmail(EmailTemplateKeys.PasswordReset, customer.Id, null,
                new EmailModel { ResetLink = "https://x.test/r" }), CancellationToken.None);
            Assert.NotNull(id);
            await tx.RollbackAsync();
        }
        Assert.Equal(0, await db.ExecuteScalarAsync<long>("SELECT count(*) FROM email_outbox WHERE recipient_id = @Id", customer));
    }

    [Fact]
    public async Task Inactive_or_unknown_recipients_and_inactive_templates_are_skipped()
    {
        await using var db = await app.OpenConnectionAsync();
        var inactive = await EmailTestData.CreateUserAsync(db, isActive: false);
        var active = await EmailTestData.CreateUserAsync(db);
        var ticket = await EmailTestData.CreateTicketAsync(db, active.Id);
        var inactiveTemplate = await EmailTestData.CreateTemplateAsync(db, isActive: false);

        await using var tx = await db.BeginTransactionAsync();
        Assert.False(await Outbox.EnqueueAsync(db, tx, new OutgoingEmail(EmailTemplateKeys.TicketCreated, inactive.Id, ticket.Id, EmailTestData.TicketModel(ticket)), default));
        Assert.False(await Outbox.EnqueueAsync(db, tx, new OutgoingEmail(EmailTemplateKeys.TicketCreated, Guid.NewGuid(), ticket.Id, EmailTestData.TicketModel(ticket)), default));
        Assert.False(await Outbox.EnqueueAsync(db, tx, new OutgoingEmail(inactiveTemplate, active.Id, ticket.Id, EmailTestData.TicketModel(ticket)), default));
        Assert.True(await Outbox.EnqueueAsync(db, tx, new OutgoingEmail(EmailTemplateKeys.TicketCreated, active.Id, ticket.Id, EmailTestData.TicketModel(ticket)), default));
        await tx.CommitAsync();

        var recipients = (await db.QueryAsync<Guid>("SELECT recipient_id FROM email_outbox WHERE ticket_id = @Id", ticket)).AsList();
        Assert.Equal([active.Id], recipients);
    }

    [Fact]
    public async Task An_unknown_template_key_is_a_programming_error()
    {
        await using var db = await app.OpenConnectionAsync();
        var customer = await EmailTestData.CreateUserAsync(db);
        await using var tx = await db.BeginTransactionAsync();
        await Assert.ThrowsAsync<InvalidOperationException>(() =>
            Outbox.EnqueueAsync(db, tx, new OutgoingEmail("no_such_template", customer.Id, null, new EmailModel()), default));
    }

    [Fact]
    public async Task Hostile_user_text_renders_inert_in_every_part()
    {
        await using var db = await app.OpenConnectionAsync();
        var customer = await EmailTestData.CreateUserAsync(db, firstName: "<b>Eve</b>");
        const string title = "<script>alert('x')</script> {{ 7 | times: 6 }} {% if true %}yes{% endif %}";
        var ticket = await EmailTestData.CreateTicketAsync(db, customer.Id, title);

        var id = await EmailTestData.EnqueueCommittedAsync(Outbox, app.Database.ConnectionString,
            new OutgoingEmail(EmailTemplateKeys.CommentAdded, customer.Id, ticket.Id,
                EmailTestData.TicketModel(ticket, "<img src=x onerror=alert(1)> {{ ticket_title }}") with { ActorName = "\"Mallory\" & co" }));
        var row = (await EmailTestData.RowAsync(db, id!.Value))!;

        // html: every value is encoded, nothing the user typed becomes markup or Liquid.
        Assert.DoesNotContain("<script>", row.HtmlBody);
        Assert.DoesNotContain("<img", row.HtmlBody);
        Assert.DoesNotContain("<b>Eve", row.HtmlBody);
        Assert.Contains("&lt;script&gt;alert(&#x27;x&#x27;)&lt;/script&gt; {{ 7 | times: 6 }} {% if true %}yes{% endif %}", row.HtmlBody);
        Assert.Contains("&lt;img src=x onerror=alert(1)&gt; {{ ticket_title }}", row.HtmlBody);
        Assert.Contains("&quot;Mallory&quot; &amp; co", row.HtmlBody);
        // text and subject: plain, literal, never evaluated.
        Assert.Contains("<img src=x onerror=alert(1)> {{ ticket_title }}", row.TextBody);
        Assert.Equal($"[#{ticket.Number}] New reply: {title}", row.Subject);
        // After the ticket's number, which may well hold "42" itself (#2442).
        Assert.DoesNotContain("42", row.Subject[$"[#{ticket.Number}]".Length..]);
    }

    [Fact]
    public async Task The_subject_token_is_not_repeated_and_user_text_cannot_inject_headers()
    {
        await using var db = await app.OpenConnectionAsync();
        var customer = await EmailTestData.CreateUserAsync(db);
        var ticket = await EmailTestData.CreateTicketAsync(db, customer.Id, "Line one\r\nBcc: victim@example.test");
        var key = await EmailTestData.CreateTemplateAsync(db, subject: "Re: [#{{ ticket_number }}] {{ ticket_title }}");

        var id = await EmailTestData.EnqueueCommittedAsync(Outbox, app.Database.ConnectionString,
            new OutgoingEmail(key, customer.Id, ticket.Id, EmailTestData.TicketModel(ticket)));
        var row = (await EmailTestData.RowAsync(db, id!.Value))!;
        Assert.Equal($"Re: [#{ticket.Number}] Line one Bcc: victim@example.test", row.Subject);
    }

    [Theory]
    [InlineData("{% for i in (1..1000000) %}x{% endfor %}")]
    [InlineData("{{ ticket_title ")]
    public async Task A_stored_template_that_fails_at_render_time_still_sends_the_plain_fallback(string body)
    {
        await using var db = await app.OpenConnectionAsync();
        var customer = await EmailTestData.CreateUserAsync(db);
        var ticket = await EmailTestData.CreateTicketAsync(db, customer.Id, "Broken <template>");
        // Written around the API (which would refuse it), as a manual edit in the database would.
        var key = await EmailTestData.CreateTemplateAsync(db, htmlBody: body);

        var id = await EmailTestData.EnqueueCommittedAsync(Outbox, app.Database.ConnectionString,
            new OutgoingEmail(key, customer.Id, ticket.Id, EmailTestData.TicketModel(ticket)));
        var row = (await EmailTestData.RowAsync(db, id!.Value))!;
        Assert.Equal($"[#{ticket.Number}] Broken <template>", row.Subject);
        Assert.Contains($"on #{ticket.Number} Broken &lt;template&gt;", row.HtmlBody);
        Assert.Contains($"on #{ticket.Number} Broken <template>", row.TextBody);
    }

    [Fact]
    public async Task A_template_edit_applies_to_the_next_email()
    {
        await using var db = await app.OpenConnectionAsync();
        var customer = await EmailTestData.CreateUserAsync(db);
        var admin = await app.CreateUserAsync("admin");
        var key = await EmailTestData.CreateTemplateAsync(db, subject: "Before");

        var before = await EmailTestData.EnqueueCommittedAsync(Outbox, app.Database.ConnectionString, new OutgoingEmail(key, customer.Id, null, new EmailModel()));
        using var client = app.ClientFor(admin);
        var put = await client.PutAsJsonAsync($"/email-templates/{key}", new { subject = "After {{ recipient_name }}", html_body = "<p>new</p>", text_body = "new", is_active = true });
        Assert.Equal(HttpStatusCode.OK, put.StatusCode);
        var after = await EmailTestData.EnqueueCommittedAsync(Outbox, app.Database.ConnectionString, new OutgoingEmail(key, customer.Id, null, new EmailModel()));

        Assert.Equal("Before", (await EmailTestData.RowAsync(db, before!.Value))!.Subject);
        var row = (await EmailTestData.RowAsync(db, after!.Value))!;
        Assert.Equal("After Cara", row.Subject);
        Assert.Equal("<p>new</p>", row.HtmlBody);
    }

    [Fact]
    public async Task Without_an_smtp_host_no_sender_runs_and_rows_stay_pending()
    {
        Assert.Empty(app.Factory.Services.GetServices<IHostedService>().OfType<EmailSender>());
        await using var db = await app.OpenConnectionAsync();
        var customer = await EmailTestData.CreateUserAsync(db);
        var id = await EmailTestData.EnqueueCommittedAsync(Outbox, app.Database.ConnectionString, new OutgoingEmail(EmailTemplateKeys.PasswordReset, customer.Id, null, new EmailModel { ResetLink = "https://x.test/r" }));
        await Task.Delay(300);
        var row = (await EmailTestData.RowAsync(db, id!.Value))!;
        Assert.Equal((EmailOutboxStatus.Pending, 0), (row.Status, row.Attempts));
    }

    [Fact]
    public async Task Admins_list_the_outbox_by_status_and_ticket_without_bodies()
    {
        await using var db = await app.OpenConnectionAsync();
        var customer = await EmailTestData.CreateUserAsync(db);
        var ticket = await EmailTestData.CreateTicketAsync(db, customer.Id);
        var id = await EmailTestData.EnqueueCommittedAsync(Outbox, app.Database.ConnectionString,
            new OutgoingEmail(EmailTemplateKeys.TicketCreated, customer.Id, ticket.Id, EmailTestData.TicketModel(ticket)));
        var admin = await app.CreateUserAsync("admin");
        using var client = app.ClientFor(admin);

        var response = await client.GetAsync($"/email-outbox?status=pending&ticket_id={ticket.Id}&limit=5");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var page = await response.JsonAsync();
        Assert.Equal(1, page.GetProperty("total").GetInt64());
        Assert.Equal(5, page.GetProperty("limit").GetInt32());
        Assert.Equal(0, page.GetProperty("offset").GetInt32());
        var item = Assert.Single(page.GetProperty("items").EnumerateArray());
        Assert.Equal(id, item.GetProperty("id").GetGuid());
        Assert.Equal(customer.Email, item.GetProperty("to_address").GetString());
        Assert.Equal("pending", item.GetProperty("status").GetString());
        Assert.Equal(0, item.GetProperty("attempts").GetInt32());
        Assert.StartsWith($"[#{ticket.Number}]", item.GetProperty("subject").GetString());
        Assert.False(item.TryGetProperty("html_body", out _));
        Assert.False(item.TryGetProperty("text_body", out _));

        var sent = await (await client.GetAsync($"/email-outbox?status=sent&ticket_id={ticket.Id}")).JsonAsync();
        Assert.Equal(0, sent.GetProperty("total").GetInt64());
    }

    [Theory]
    [InlineData("/email-outbox?status=lost", "status")]
    [InlineData("/email-outbox?limit=0", "limit")]
    [InlineData("/email-outbox?limit=101", "limit")]
    [InlineData("/email-outbox?offset=-1", "offset")]
    public async Task Bad_outbox_filters_are_400_naming_the_parameter(string url, string field)
    {
        var admin = await app.CreateUserAsync("admin");
        using var client = app.ClientFor(admin);
        await (await client.GetAsync(url)).AssertProblemAsync(HttpStatusCode.BadRequest, field);
    }

    [Fact]
    public async Task Retry_requeues_a_failed_email_and_refuses_other_states()
    {
        await using var db = await app.OpenConnectionAsync();
        var customer = await EmailTestData.CreateUserAsync(db);
        var id = (await EmailTestData.EnqueueCommittedAsync(Outbox, app.Database.ConnectionString,
            new OutgoingEmail(EmailTemplateKeys.PasswordReset, customer.Id, null, new EmailModel { ResetLink = "https://x.test/r" })))!.Value;
        var admin = await app.CreateUserAsync("admin");
        using var client = app.ClientFor(admin);

        await (await client.PostAsync($"/email-outbox/{id}/retry", null)).AssertProblemAsync(HttpStatusCode.Conflict);

        await db.ExecuteAsync("UPDATE email_outbox SET status = 'failed', attempts = 8, last_error = 'boom', next_attempt_at = now() + interval '1 day' WHERE id = @id", new { id });
        var retried = await client.PostAsync($"/email-outbox/{id}/retry", null);
        Assert.Equal(HttpStatusCode.OK, retried.StatusCode);
        var body = await retried.JsonAsync();
        Assert.Equal("pending", body.GetProperty("status").GetString());
        Assert.Equal(0, body.GetProperty("attempts").GetInt32());
        var row = (await EmailTestData.RowAsync(db, id))!;
        Assert.Equal((EmailOutboxStatus.Pending, 0), (row.Status, row.Attempts));
        Assert.True(row.NextAttemptAt <= DateTime.UtcNow.AddSeconds(5));

        await db.ExecuteAsync("UPDATE email_outbox SET status = 'sent', sent_at = now() WHERE id = @id", new { id });
        await (await client.PostAsync($"/email-outbox/{id}/retry", null)).AssertProblemAsync(HttpStatusCode.Conflict);
        await (await client.PostAsync($"/email-outbox/{Guid.NewGuid()}/retry", null)).AssertProblemAsync(HttpStatusCode.NotFound);
        Assert.Equal(EmailOutboxStatus.Sent, (await EmailTestData.RowAsync(db, id))!.Status);
    }

    [Theory]
    [InlineData("customer")]
    [InlineData("agent")]
    public async Task Only_admins_reach_the_email_routes(string role)
    {
        var user = role == "customer" ? await app.RegisterCustomerAsync() : await app.CreateUserAsync(role);
        using var client = app.ClientFor(user);
        using var anonymous = app.Anonymous();
        var draft = new { subject = "s", html_body = "h", text_body = "t", is_active = true };
        foreach (var (caller, status) in new[] { (client, HttpStatusCode.Forbidden), (anonymous, HttpStatusCode.Unauthorized) })
        {
            await (await caller.GetAsync("/email-outbox")).AssertProblemAsync(status);
            await (await caller.PostAsync($"/email-outbox/{Guid.NewGuid()}/retry", null)).AssertProblemAsync(status);
            await (await caller.GetAsync("/email-templates")).AssertProblemAsync(status);
            await (await caller.GetAsync("/email-templates/ticket_created")).AssertProblemAsync(status);
            await (await caller.PutAsJsonAsync("/email-templates/ticket_created", draft)).AssertProblemAsync(status);
            await (await caller.PostAsJsonAsync("/email-templates/ticket_created/preview", new { })).AssertProblemAsync(status);
        }
    }
}
