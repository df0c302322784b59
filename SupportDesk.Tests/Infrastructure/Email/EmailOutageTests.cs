using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using Dapper;
using Microsoft.Extensions.DependencyInjection;
using SupportDesk.Infrastructure.Email;

namespace SupportDesk.Tests.Infrastructure.Email;

/// <summary>
/// Failure and scale scenarios. Each test has a database of its own: its senders work through every pending row,
/// so they must not see other tests' mail.
/// </summary>
public sealed class EmailOutageTests
{
    [Fact]
    public async Task Rows_stay_pending_while_smtp_is_down_and_each_is_delivered_exactly_once_when_it_returns()
    {
        await using var database = await TestDatabase.CreateAsync("sd_email_down");
        var port = SmtpTestServer.FreePort();
        var settings = EmailTestData.SmtpSettings(database.Url, port);
        settings["EMAIL_MAX_ATTEMPTS"] = "100";
        await using var factory = await StartAsync(settings);
        var outbox = factory.Services.GetRequiredService<EmailOutbox>();

        await using var db = await EmailTestData.OpenAsync(database.ConnectionString);
        var customers = new[] { await EmailTestData.CreateUserAsync(db), await EmailTestData.CreateUserAsync(db) };
        // Each customer is mailed about a ticket of their own: nobody gets mail about a ticket they may not see.
        var tickets = new[] { await EmailTestData.CreateTicketAsync(db, customers[0].Id), await EmailTestData.CreateTicketAsync(db, customers[1].Id) };
        var ids = new List<Guid>();
        for (var i = 0; i < 20; i++)
        {
            var customer = customers[i % 2];
            var ticket = tickets[i % 2];
            ids.Add((await EmailTestData.EnqueueCommittedAsync(outbox, database.ConnectionString,
                new OutgoingEmail(EmailTemplateKeys.CommentAdded, customer.Id, ticket.Id, EmailTestData.TicketModel(ticket, $"comment {i}"))))!.Value);
        }

        // SMTP is down: every row is tried, fails, and waits (backoff) as pending, with the error recorded.
        await EmailTestData.EventuallyAsync(async () => (await EmailTestData.RowsAsync(db, ids)).All(r => r.Attempts >= 2),
            "every row attempted at least twice");
        var down = await EmailTestData.RowsAsync(db, ids);
        Assert.All(down, r =>
        {
            Assert.Contains(r.Status, new[] { EmailOutboxStatus.Pending, EmailOutboxStatus.Sending });
            Assert.NotNull(r.LastError);
            Assert.Null(r.SentAt);
        });
        // A sender may hold every row in "sending" at the instant we look; wait for one back in its backoff.
        await EmailTestData.EventuallyAsync(async () => (await EmailTestData.RowsAsync(db, ids))
                .Any(r => r.Status == EmailOutboxStatus.Pending && r.NextAttemptAt > r.CreatedAt),
            "a failed row waits out its backoff as pending");

        // SMTP comes back on the same port.
        await using var smtp = await SmtpTestServer.StartAsync(port);
        await EmailTestData.EventuallyAsync(async () => (await EmailTestData.RowsAsync(db, ids)).All(r => r.Status == EmailOutboxStatus.Sent),
            "every row sent after SMTP returned");
        await Task.Delay(500);

        var received = smtp.Received.Select(r => r.Message.MessageId!).ToList();
        Assert.Equal(20, received.Count);
        var expected = (await EmailTestData.RowsAsync(db, ids)).Select(r => r.MessageId.Trim('<', '>')).Order().ToList();
        Assert.Equal(expected, received.Order().ToList());
        Assert.Equal(10, smtp.To(customers[0].Email).Count);
        Assert.Equal(10, smtp.To(customers[1].Email).Count);
    }

    [Fact]
    public async Task After_max_attempts_a_row_fails_and_the_retry_route_sends_it()
    {
        await using var database = await TestDatabase.CreateAsync("sd_email_fail");
        var port = SmtpTestServer.FreePort();
        var settings = EmailTestData.SmtpSettings(database.Url, port);
        settings["EMAIL_MAX_ATTEMPTS"] = "3";
        settings["EMAIL_BACKOFF_BASE_MS"] = "50";
        await using var factory = await StartAsync(settings);
        var outbox = factory.Services.GetRequiredService<EmailOutbox>();
        await using var db = await EmailTestData.OpenAsync(database.ConnectionString);
        var customer = await EmailTestData.CreateUserAsync(db);
        var ticket = await EmailTestData.CreateTicketAsync(db, customer.Id);
        var id = (await EmailTestData.EnqueueCommittedAsync(outbox, database.ConnectionString,
            new OutgoingEmail(EmailTemplateKeys.TicketCreated, customer.Id, ticket.Id, EmailTestData.TicketModel(ticket))))!.Value;

        await EmailTestData.EventuallyAsync(async () => (await EmailTestData.RowAsync(db, id))!.Status == EmailOutboxStatus.Failed, "row failed");
        var failed = (await EmailTestData.RowAsync(db, id))!;
        Assert.Equal(3, failed.Attempts);
        Assert.False(string.IsNullOrEmpty(failed.LastError));
        await Task.Delay(400);
        Assert.Equal((EmailOutboxStatus.Failed, 3), ((await EmailTestData.RowAsync(db, id))!.Status, (await EmailTestData.RowAsync(db, id))!.Attempts));

        using var client = await AdminClientAsync(factory, db);
        var list = await (await client.GetAsync("/email-outbox?status=failed")).JsonAsync();
        var item = Assert.Single(list.GetProperty("items").EnumerateArray());
        Assert.Equal(id, item.GetProperty("id").GetGuid());
        Assert.Equal(3, item.GetProperty("attempts").GetInt32());
        Assert.Equal(failed.LastError, item.GetProperty("last_error").GetString());

        await using var smtp = await SmtpTestServer.StartAsync(port);
        var retry = await client.PostAsync($"/email-outbox/{id}/retry", null);
        Assert.Equal(HttpStatusCode.OK, retry.StatusCode);
        Assert.Equal("pending", (await retry.JsonAsync()).GetProperty("status").GetString());

        var message = Assert.Single(await smtp.WaitForAsync(customer.Email)).Message;
        Assert.Equal(failed.MessageId.Trim('<', '>'), message.MessageId);
        await EmailTestData.EventuallyAsync(async () => (await EmailTestData.RowAsync(db, id))!.Status == EmailOutboxStatus.Sent, "row sent after retry");
        Assert.Equal(1, (await EmailTestData.RowAsync(db, id))!.Attempts);
        await (await client.PostAsync($"/email-outbox/{id}/retry", null)).AssertProblemAsync(HttpStatusCode.Conflict);
        Assert.Single(smtp.Received);
    }

    [Fact]
    public async Task Two_instances_on_one_database_send_hundreds_of_emails_without_duplicates()
    {
        const int count = 300;
        await using var database = await TestDatabase.CreateAsync("sd_email_two");
        await using var smtp = await SmtpTestServer.StartAsync();
        var settings = EmailTestData.SmtpSettings(database.Url, smtp.Port);
        settings["EMAIL_BATCH_SIZE"] = "7";
        await using var first = await StartAsync(settings);
        await using var second = await StartAsync(settings);
        var outbox = first.Services.GetRequiredService<EmailOutbox>();

        await using var db = await EmailTestData.OpenAsync(database.ConnectionString);
        var customers = new List<EmailRecipient>();
        for (var i = 0; i < 5; i++)
            customers.Add(await EmailTestData.CreateUserAsync(db));
        // Each customer is mailed about a ticket of their own: nobody gets mail about a ticket they may not see.
        var tickets = new List<TestTicket>();
        foreach (var owner in customers)
            tickets.Add(await EmailTestData.CreateTicketAsync(db, owner.Id));

        var ids = new List<Guid>();
        for (var batch = 0; batch < count / 50; batch++)
        {
            await using var tx = await db.BeginTransactionAsync();
            for (var i = 0; i < 50; i++)
            {
                var customer = customers[(batch * 50 + i) % customers.Count];
                var ticket = tickets[(batch * 50 + i) % customers.Count];
                ids.Add((await outbox.TryEnqueueAsync(db, tx, new OutgoingEmail(EmailTemplateKeys.CommentAdded, customer.Id,
                    i % 2 == 0 ? ticket.Id : null, EmailTestData.TicketModel(ticket, $"n{batch * 50 + i}")), CancellationToken.None))!.Value);
            }
            await tx.CommitAsync();
        }

        await EmailTestData.EventuallyAsync(async () =>
            await db.ExecuteScalarAsync<long>("SELECT count(*) FROM email_outbox WHERE status = 'sent'") == count, $"all {count} sent", 90);
        await Task.Delay(500);

        var received = smtp.Received.Select(r => r.Message.MessageId!).ToList();
        Assert.Equal(count, received.Count);
        Assert.Equal(count, received.Distinct().Count());
        var expected = (await EmailTestData.RowsAsync(db, ids)).Select(r => r.MessageId.Trim('<', '>')).Order().ToList();
        Assert.Equal(expected, received.Order().ToList());
        Assert.Equal(count, await db.ExecuteScalarAsync<long>("SELECT count(*) FROM email_outbox WHERE attempts = 1"));
    }

    [Fact]
    public async Task Credentials_are_used_when_set_and_a_refused_password_never_reaches_the_error()
    {
        const string password = "s3cret-Pa55-xyz";
        await using var database = await TestDatabase.CreateAsync("sd_email_auth");
        await using var smtp = await SmtpTestServer.StartAsync(requiredLogin: ("mailer", password));
        await using var db = await EmailTestData.OpenAsync(database.ConnectionString);

        var wrong = EmailTestData.SmtpSettings(database.Url, smtp.Port);
        wrong["EMAIL_USERNAME"] = "mailer";
        wrong["EMAIL_PASSWORD"] = "wrong-" + password;
        wrong["EMAIL_MAX_ATTEMPTS"] = "1";
        Guid refusedId;
        EmailRecipient customer;
        await using (var factory = await StartAsync(wrong))
        {
            customer = await EmailTestData.CreateUserAsync(db);
            refusedId = (await EmailTestData.EnqueueCommittedAsync(factory.Services.GetRequiredService<EmailOutbox>(), database.ConnectionString,
                new OutgoingEmail(EmailTemplateKeys.PasswordReset, customer.Id, null, new EmailModel { ResetLink = "https://x.test/r" })))!.Value;
            await EmailTestData.EventuallyAsync(async () => (await EmailTestData.RowAsync(db, refusedId))!.Status == EmailOutboxStatus.Failed, "refused row failed");
        }
        var refused = (await EmailTestData.RowAsync(db, refusedId))!;
        Assert.Contains("Authentication", refused.LastError);
        Assert.DoesNotContain(password, refused.LastError);
        Assert.Empty(smtp.Received);

        var right = EmailTestData.SmtpSettings(database.Url, smtp.Port);
        right["EMAIL_USERNAME"] = "mailer";
        right["EMAIL_PASSWORD"] = password;
        await using (var factory = await StartAsync(right))
        {
            await db.ExecuteAsync("UPDATE email_outbox SET status = 'pending', attempts = 0, next_attempt_at = now() WHERE id = @refusedId", new { refusedId });
            var received = Assert.Single(await smtp.WaitForAsync(customer.Email));
            Assert.Equal("mailer", received.AuthenticatedUser);
        }
    }

    private static async Task<SupportDeskFactory> StartAsync(Dictionary<string, string?> settings)
    {
        var factory = new SupportDeskFactory(settings);
        using var client = factory.CreateClient();
        (await client.GetAsync("/health")).EnsureSuccessStatusCode();
        return factory;
    }

    private static async Task<HttpClient> AdminClientAsync(SupportDeskFactory factory, Npgsql.NpgsqlConnection db)
    {
        var email = AppFixture.UniqueEmail("admin");
        await db.ExecuteAsync("""
            INSERT INTO users (id, email, password_hash, first_name, last_name, role)
            VALUES (@id, @email, @hash, 'Ada', 'Admin', 'admin')
            """, new { id = Guid.CreateVersion7(), email, hash = BCrypt.Net.BCrypt.HashPassword("admin-password", 4) });
        using var anonymous = factory.CreateClient();
        var login = await (await anonymous.PostAsJsonAsync("/auth/login", new { email, password = "admin-password" })).ReadAsync<AuthBody>();
        var client = factory.CreateClient();
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", login.AccessToken);
        return client;
    }
}
