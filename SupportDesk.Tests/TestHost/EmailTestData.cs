using Dapper;
using Npgsql;
using SupportDesk.Infrastructure.Email;

namespace SupportDesk.Tests.TestHost;

public sealed record EmailRecipient(Guid Id, string Email, string FirstName, string LastName);

public sealed record TestTicket(Guid Id, long Number, string Title);

/// <summary>An outbox row as the tests read it back.</summary>
public sealed class OutboxRow
{
    public Guid Id { get; init; }
    public string TemplateKey { get; init; } = "";
    public Guid RecipientId { get; init; }
    public string ToAddress { get; init; } = "";
    public string ToName { get; init; } = "";
    public Guid? TicketId { get; init; }
    public string Subject { get; init; } = "";
    public string HtmlBody { get; init; } = "";
    public string TextBody { get; init; } = "";
    public string MessageId { get; init; } = "";
    public string? InReplyTo { get; init; }
    public string? ReferencesHeader { get; init; }
    public string Status { get; init; } = "";
    public int Attempts { get; init; }
    public DateTime NextAttemptAt { get; init; }
    public string? LastError { get; init; }
    public DateTime CreatedAt { get; init; }
    public DateTime? SentAt { get; init; }
}

/// <summary>Rows the email tests need, written by SQL (tickets have no routes in this branch), and outbox helpers.</summary>
public static class EmailTestData
{
    public const string From = "SupportDesk <support@mail.supportdesk.test>";
    public const string Domain = "mail.supportdesk.test";
    public const string PublicUrl = "https://help.example.test";

    /// <summary>Settings for an app whose sender talks to a test SMTP server on the given port, quickly.</summary>
    public static Dictionary<string, string?> SmtpSettings(string databaseUrl, int smtpPort)
    {
        var settings = SupportDeskFactory.DefaultSettings(databaseUrl);
        settings["EMAIL_SMTP_HOST"] = "127.0.0.1";
        settings["EMAIL_SMTP_PORT"] = smtpPort.ToString(System.Globalization.CultureInfo.InvariantCulture);
        // The test server speaks plaintext; EmailSecurityTests cover STARTTLS and TLS.
        settings["EMAIL_SMTP_SECURITY"] = "none";
        settings["EMAIL_FROM"] = From;
        settings["PUBLIC_URL"] = PublicUrl;
        settings["EMAIL_POLL_INTERVAL_MS"] = "100";
        settings["EMAIL_BACKOFF_BASE_MS"] = "100";
        settings["EMAIL_BACKOFF_MAX_MS"] = "400";
        // The sender logs each failed attempt as a warning; these tests fail attempts on purpose.
        settings["LOG_LEVEL"] = "error";
        return settings;
    }

    public static async Task<NpgsqlConnection> OpenAsync(string connectionString)
    {
        var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        return connection;
    }

    public static async Task<EmailRecipient> CreateUserAsync(NpgsqlConnection connection, string role = "customer",
        bool isActive = true, string firstName = "Cara", string lastName = "Doe")
    {
        var id = Guid.CreateVersion7();
        var email = AppFixture.UniqueEmail(role);
        await connection.ExecuteAsync("""
            INSERT INTO users (id, email, password_hash, first_name, last_name, role, is_active)
            VALUES (@id, @email, 'not-a-hash', @firstName, @lastName, @role, @isActive)
            """, new { id, email, firstName, lastName, role, isActive });
        return new EmailRecipient(id, email, firstName, lastName);
    }

    public static async Task<TestTicket> CreateTicketAsync(NpgsqlConnection connection, Guid requesterId, string title = "Printer on fire")
    {
        var id = Guid.CreateVersion7();
        var number = await connection.ExecuteScalarAsync<long>("""
            INSERT INTO tickets (id, title, description, requester_id, created_by)
            VALUES (@id, @title, 'It smokes.', @requesterId, @requesterId)
            RETURNING number
            """, new { id, title, requesterId });
        return new TestTicket(id, number, title);
    }

    /// <summary>A template of the test's own (admin-route tests must not change the shared defaults).</summary>
    public static async Task<string> CreateTemplateAsync(NpgsqlConnection connection, string subject = "Subject {{ ticket_title }}",
        string htmlBody = "<p>{{ ticket_title }}</p>", string textBody = "Text {{ ticket_title }}", bool isActive = true)
    {
        var key = $"test_{Guid.NewGuid():N}";
        await connection.ExecuteAsync("""
            INSERT INTO email_templates (key, subject, html_body, text_body, is_active)
            VALUES (@key, @subject, @htmlBody, @textBody, @isActive)
            """, new { key, subject, htmlBody, textBody, isActive });
        return key;
    }

    /// <summary>Enqueues in a transaction of its own and commits it; returns the row id (null when skipped).</summary>
    public static async Task<Guid?> EnqueueCommittedAsync(EmailOutbox outbox, string connectionString, OutgoingEmail email)
    {
        await using var connection = await OpenAsync(connectionString);
        await using var transaction = await connection.BeginTransactionAsync();
        var id = await outbox.TryEnqueueAsync(connection, transaction, email, CancellationToken.None);
        await transaction.CommitAsync();
        return id;
    }

    public static async Task<OutboxRow?> RowAsync(NpgsqlConnection connection, Guid id) =>
        await connection.QuerySingleOrDefaultAsync<OutboxRow>("SELECT * FROM email_outbox WHERE id = @id", new { id });

    public static async Task<List<OutboxRow>> RowsAsync(NpgsqlConnection connection, IEnumerable<Guid> ids) =>
        (await connection.QueryAsync<OutboxRow>("SELECT * FROM email_outbox WHERE id = ANY(@ids)", new { ids = ids.ToArray() })).AsList();

    /// <summary>Polls until the condition holds; fails the test with the message otherwise.</summary>
    public static async Task EventuallyAsync(Func<Task<bool>> condition, string message, int timeoutSeconds = 30)
    {
        var deadline = DateTime.UtcNow.AddSeconds(timeoutSeconds);
        while (DateTime.UtcNow < deadline)
        {
            if (await condition())
                return;
            await Task.Delay(50);
        }
        Assert.True(await condition(), $"timed out after {timeoutSeconds}s: {message}");
    }

    public static EmailModel TicketModel(TestTicket ticket, string? commentText = null) => new()
    {
        TicketNumber = ticket.Number,
        TicketTitle = ticket.Title,
        TicketStatus = "open",
        TicketPriority = "high",
        ActorName = "Alex Agent",
        CommentText = commentText,
    };
}
