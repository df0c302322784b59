using Microsoft.Extensions.DependencyInjection;
using MimeKit;
using SupportDesk.Infrastructure.Email;

namespace SupportDesk.Tests.Infrastructure.Email;

/// <summary>A database, a real SMTP server and an app whose sender delivers to it; shared by the delivery tests.</summary>
public sealed class EmailDeliveryFixture : IAsyncLifetime
{
    public TestDatabase Database { get; private set; } = null!;
    public SmtpTestServer Smtp { get; private set; } = null!;
    public SupportDeskFactory Factory { get; private set; } = null!;
    public EmailOutbox Outbox => Factory.Services.GetRequiredService<EmailOutbox>();

    public async ValueTask InitializeAsync()
    {
        Database = await TestDatabase.CreateAsync("sd_email");
        Smtp = await SmtpTestServer.StartAsync();
        Factory = new SupportDeskFactory(EmailTestData.SmtpSettings(Database.Url, Smtp.Port));
        // Starts the host: migrations, then the sender.
        using var client = Factory.CreateClient();
        (await client.GetAsync("/health")).EnsureSuccessStatusCode();
    }

    public async ValueTask DisposeAsync()
    {
        await Factory.DisposeAsync();
        await Smtp.DisposeAsync();
        await Database.DisposeAsync();
    }
}

/// <summary>What arrives at a real SMTP server. Each test uses recipients of its own and asserts only on their mail.</summary>
public sealed class EmailDeliveryTests(EmailDeliveryFixture mail) : IClassFixture<EmailDeliveryFixture>
{
    private string ConnectionString => mail.Database.ConnectionString;

    [Fact]
    public async Task A_committed_email_is_delivered_exactly_once_with_its_thread_headers()
    {
        await using var db = await EmailTestData.OpenAsync(ConnectionString);
        var customer = await EmailTestData.CreateUserAsync(db, firstName: "Cara", lastName: "Doe");
        var ticket = await EmailTestData.CreateTicketAsync(db, customer.Id, "Printer on fire");

        var firstId = (await EmailTestData.EnqueueCommittedAsync(mail.Outbox, ConnectionString,
            new OutgoingEmail(EmailTemplateKeys.TicketCreated, customer.Id, ticket.Id, EmailTestData.TicketModel(ticket))))!.Value;
        var first = Assert.Single(await mail.Smtp.WaitForAsync(customer.Email));
        await EmailTestData.EventuallyAsync(async () => (await EmailTestData.RowAsync(db, firstId))!.Status == EmailOutboxStatus.Sent, "first row sent");

        var root = $"ticket-{ticket.Id}@{EmailTestData.Domain}";
        var message = first.Message;
        Assert.Equal([customer.Email], first.EnvelopeTo);
        Assert.Equal("support@mail.supportdesk.test", first.EnvelopeFrom);
        var to = Assert.Single(message.To.Mailboxes);
        Assert.Equal((customer.Email, "Cara Doe"), (to.Address, to.Name));
        Assert.Equal("support@mail.supportdesk.test", Assert.Single(message.From.Mailboxes).Address);
        Assert.Equal($"[#{ticket.Number}] We received your request: Printer on fire", message.Subject);
        Assert.Contains("Hello Cara,", message.TextBody);
        Assert.Contains($"#{ticket.Number} \"Printer on fire\" has been received", message.TextBody);
        Assert.Contains($"<strong>#{ticket.Number} Printer on fire</strong>", message.HtmlBody);
        Assert.Contains($"<a href=\"{EmailTestData.PublicUrl}/tickets/{ticket.Id}\">", message.HtmlBody);
        Assert.Equal($"{firstId}@{EmailTestData.Domain}", message.MessageId);
        Assert.Equal(root, message.InReplyTo);
        Assert.Equal([root], message.References);
        Assert.Equal("auto-generated", message.Headers["Auto-Submitted"]);

        var row = (await EmailTestData.RowAsync(db, firstId))!;
        Assert.Equal(1, row.Attempts);
        Assert.NotNull(row.SentAt);
        Assert.Null(row.LastError);

        // A reply on the same ticket references the root and the earlier message.
        var replyId = (await EmailTestData.EnqueueCommittedAsync(mail.Outbox, ConnectionString,
            new OutgoingEmail(EmailTemplateKeys.CommentAdded, customer.Id, ticket.Id, EmailTestData.TicketModel(ticket, "Please unplug it."))))!.Value;
        var both = await mail.Smtp.WaitForAsync(customer.Email, 2);
        var reply = both.Single(r => r.Message.MessageId == $"{replyId}@{EmailTestData.Domain}").Message;
        Assert.Equal($"[#{ticket.Number}] New reply: Printer on fire", reply.Subject);
        Assert.Contains("Please unplug it.", reply.TextBody);
        Assert.Contains("Please unplug it.", reply.HtmlBody);
        Assert.Equal(root, reply.InReplyTo);
        Assert.Equal([root, $"{firstId}@{EmailTestData.Domain}"], reply.References);

        // Several more poll rounds: still exactly one delivery per row.
        await EmailTestData.EventuallyAsync(async () => (await EmailTestData.RowAsync(db, replyId))!.Status == EmailOutboxStatus.Sent, "reply row sent");
        await Task.Delay(500);
        Assert.Equal(2, mail.Smtp.To(customer.Email).Count);
    }

    [Fact]
    public async Task A_rolled_back_email_is_never_sent()
    {
        await using var db = await EmailTestData.OpenAsync(ConnectionString);
        var customer = await EmailTestData.CreateUserAsync(db);
        await using (var tx = await db.BeginTransactionAsync())
        {
            var ticket = await EmailTestData.CreateTicketAsync(db, customer.Id, "Never happened");
            Assert.True(await mail.Outbox.EnqueueAsync(db, tx,
                new OutgoingEmail(EmailTemplateKeys.TicketCreated, customer.Id, ticket.Id, EmailTestData.TicketModel(ticket)), CancellationToken.None));
            await tx.RollbackAsync();
        }

        // A later email to the same person: once it has arrived, the rolled-back one would have too.
        var markerId = (await EmailTestData.EnqueueCommittedAsync(mail.Outbox, ConnectionString,
            new OutgoingEmail(EmailTemplateKeys.PasswordReset, customer.Id, null, new EmailModel { ResetLink = "https://help.example.test/reset?token=abc" })))!.Value;
        var received = Assert.Single(await mail.Smtp.WaitForAsync(customer.Email));
        await Task.Delay(400);

        Assert.Single(mail.Smtp.To(customer.Email));
        var message = received.Message;
        Assert.Equal($"{markerId}@{EmailTestData.Domain}", message.MessageId);
        // Not about a ticket: no [#number] token and no thread headers.
        Assert.Equal("Reset your SupportDesk password", message.Subject);
        Assert.Null(message.InReplyTo);
        Assert.Empty(message.References);
        Assert.Contains("https://help.example.test/reset?token=abc", message.TextBody);
    }

    [Fact]
    public async Task Hostile_input_arrives_inert()
    {
        await using var db = await EmailTestData.OpenAsync(ConnectionString);
        var customer = await EmailTestData.CreateUserAsync(db);
        const string title = "<script>alert(1)</script>{{ 7 | times: 6 }}";
        var ticket = await EmailTestData.CreateTicketAsync(db, customer.Id, title);
        await EmailTestData.EnqueueCommittedAsync(mail.Outbox, ConnectionString,
            new OutgoingEmail(EmailTemplateKeys.CommentAdded, customer.Id, ticket.Id, EmailTestData.TicketModel(ticket, "<iframe src=//evil.test></iframe>{% raw %}")));

        var message = Assert.Single(await mail.Smtp.WaitForAsync(customer.Email)).Message;
        Assert.Contains("&lt;script&gt;alert(1)&lt;/script&gt;{{ 7 | times: 6 }}", message.HtmlBody);
        Assert.Contains("&lt;iframe src=//evil.test&gt;&lt;/iframe&gt;{% raw %}", message.HtmlBody);
        Assert.DoesNotContain("<script", message.HtmlBody);
        Assert.DoesNotContain("<iframe", message.HtmlBody);
        Assert.Contains("<iframe src=//evil.test></iframe>{% raw %}", message.TextBody);
        Assert.Equal($"[#{ticket.Number}] New reply: {title}", message.Subject);
        Assert.Equal("multipart/alternative", message.Body!.ContentType.MimeType);
    }

    [Fact]
    public async Task A_row_whose_sender_died_is_claimed_again_after_its_lease_and_a_live_lease_is_left_alone()
    {
        await using var db = await EmailTestData.OpenAsync(ConnectionString);
        var orphaned = await EmailTestData.CreateUserAsync(db);
        var leased = await EmailTestData.CreateUserAsync(db);
        var model = new EmailModel { ResetLink = "https://help.example.test/reset?token=t" };
        Guid orphanedId, leasedId;
        await using (var tx = await db.BeginTransactionAsync())
        {
            orphanedId = (await mail.Outbox.TryEnqueueAsync(db, tx, new OutgoingEmail(EmailTemplateKeys.PasswordReset, orphaned.Id, null, model), default))!.Value;
            leasedId = (await mail.Outbox.TryEnqueueAsync(db, tx, new OutgoingEmail(EmailTemplateKeys.PasswordReset, leased.Id, null, model), default))!.Value;
            // As a crashed sender leaves them: claimed once; one lease has run out, the other has not.
            await Dapper.SqlMapper.ExecuteAsync(db, """
                UPDATE email_outbox SET status = 'sending', attempts = 1,
                    next_attempt_at = CASE WHEN id = @orphanedId THEN now() - interval '1 second' ELSE now() + interval '1 hour' END
                WHERE id IN (@orphanedId, @leasedId)
                """, new { orphanedId, leasedId }, tx);
            await tx.CommitAsync();
        }

        var message = Assert.Single(await mail.Smtp.WaitForAsync(orphaned.Email)).Message;
        Assert.Equal($"{orphanedId}@{EmailTestData.Domain}", message.MessageId);
        await EmailTestData.EventuallyAsync(async () => (await EmailTestData.RowAsync(db, orphanedId))!.Status == EmailOutboxStatus.Sent, "orphaned row sent");
        Assert.Equal(2, (await EmailTestData.RowAsync(db, orphanedId))!.Attempts);

        await Task.Delay(400);
        Assert.Empty(mail.Smtp.To(leased.Email));
        Assert.Equal((EmailOutboxStatus.Sending, 1), ((await EmailTestData.RowAsync(db, leasedId))!.Status, (await EmailTestData.RowAsync(db, leasedId))!.Attempts));
    }
}
