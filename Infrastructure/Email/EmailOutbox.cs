using Dapper;
using MimeKit;
using Npgsql;
using SupportDesk.Infrastructure.Configuration;

namespace SupportDesk.Infrastructure.Email;

/// <summary>
/// Writes emails into the transactional outbox (email_outbox), inside the caller's transaction: the email is
/// committed or rolled back with the change that caused it. EmailSender delivers committed rows.
/// </summary>
public sealed class EmailOutbox
{
    /// <summary>The NOTIFY channel that wakes the senders; PostgreSQL delivers it only when the transaction commits.</summary>
    public const string NotifyChannel = "email_outbox";

    /// <summary>How many earlier message ids of a ticket go into References (plus the thread root).</summary>
    public const int MaxReferences = 10;

    internal const string LoadSql = """
        SELECT email, first_name, last_name, is_active FROM users WHERE id = @RecipientUserId;
        SELECT subject, html_body, text_body, is_active FROM email_templates WHERE key = @TemplateKey;
        SELECT number FROM tickets WHERE id = @TicketId;
        SELECT message_id FROM (
            SELECT message_id, created_at, id FROM email_outbox
            WHERE ticket_id = @TicketId AND status <> 'failed'
            ORDER BY created_at DESC, id DESC
            LIMIT @MaxReferences
        ) earlier
        ORDER BY created_at, id;
        """;

    // The recipient is checked again in the statement that writes the row: about a ticket, only someone who may
    // see it as of this statement gets mail (a demotion or deactivation that just committed is seen here).
    internal const string InsertSql = $"""
        INSERT INTO email_outbox (id, template_key, recipient_id, to_address, to_name, ticket_id,
                                  subject, html_body, text_body, message_id, in_reply_to, references_header, sealed_secret, attachment_ids)
        SELECT @Id, @TemplateKey, @RecipientId, @ToAddress, @ToName, @TicketId,
               @Subject, @HtmlBody, @TextBody, @MessageId, @InReplyTo, @ReferencesHeader, @SealedSecret, @AttachmentIds
        FROM users u
        WHERE u.id = @RecipientId AND u.is_active
          AND (@TicketId::uuid IS NULL OR EXISTS (
              SELECT 1 FROM tickets t WHERE t.id = @TicketId
              AND ({Auth.TicketVisibility.VisibleToUserRow} OR (@ToFollower AND {Auth.TicketVisibility.FollowerUserRow}))))
        RETURNING id;
        SELECT pg_notify('{NotifyChannel}', '');
        """;

    // Used only if a stored template fails at render time (it parsed and rendered the sample when saved): the email still goes out.
    private static readonly EmailTemplateSource Fallback = new(
        "{{ ticket_title | default: 'Notification' }}",
        "<p>Hello {{ recipient_name }},</p><p>There is an update{% if ticket_number %} on #{{ ticket_number }} {{ ticket_title }}{% endif %}.</p>{% if ticket_link %}<p><a href=\"{{ ticket_link }}\">Open</a></p>{% endif %}",
        "Hello {{ recipient_name }},\n\nThere is an update{% if ticket_number %} on #{{ ticket_number }} {{ ticket_title }}{% endif %}.\n{% if ticket_link %}{{ ticket_link }}{% endif %}");

    private readonly EmailTemplateEngine _engine;
    private readonly OutboxSecrets _secrets;
    private readonly ILogger<EmailOutbox> _logger;
    private readonly string? _publicUrl;

    public EmailOutbox(EmailTemplateEngine engine, OutboxSecrets secrets, AppSettings settings, ILogger<EmailOutbox> logger)
    {
        _engine = engine;
        _secrets = secrets;
        _logger = logger;
        _publicUrl = settings.Email.PublicUrl;
        Domain = MailboxAddress.Parse(settings.Email.From).Domain;
    }

    /// <summary>The domain of EMAIL_FROM, used for Message-IDs and thread roots.</summary>
    public string Domain { get; }

    /// <summary>The Message-ID of an outbox row, derived from its id (so a resend carries the same one).</summary>
    public string MessageIdFor(Guid outboxId) => $"<{outboxId}@{Domain}>";

    /// <summary>The thread root every email about a ticket replies to.</summary>
    public string ThreadRootFor(Guid ticketId) => $"<ticket-{ticketId}@{Domain}>";

    /// <summary>
    /// Runs inside the caller's transaction: loads the active template, skips inactive/unknown recipients and inactive
    /// templates (returns false), renders subject/html/text now and inserts the outbox row.
    /// An unknown template key is a programming error and throws.
    /// </summary>
    public async Task<bool> EnqueueAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, OutgoingEmail email, CancellationToken ct) =>
        await TryEnqueueAsync(connection, transaction, email, ct) is not null;

    /// <summary>Same as <see cref="EnqueueAsync"/>, returning the outbox row's id (null when skipped).</summary>
    public async Task<Guid?> TryEnqueueAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, OutgoingEmail email, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(email);
        LoadedRecipient? recipient;
        LoadedTemplate? template;
        long? storedNumber;
        List<string> earlier;
        await using (var results = await connection.QueryMultipleAsync(new CommandDefinition(LoadSql, new
        {
            email.RecipientUserId,
            email.TemplateKey,
            email.TicketId,
            MaxReferences,
        }, transaction, cancellationToken: ct)))
        {
            recipient = await results.ReadSingleOrDefaultAsync<LoadedRecipient>();
            template = await results.ReadSingleOrDefaultAsync<LoadedTemplate>();
            storedNumber = await results.ReadSingleOrDefaultAsync<long?>();
            earlier = (await results.ReadAsync<string>()).AsList();
        }

        if (template is null)
            throw new InvalidOperationException($"There is no email template '{email.TemplateKey}'.");
        if (recipient is not { IsActive: true } || !template.IsActive)
            return null;

        var model = email.Model with
        {
            TicketNumber = email.Model.TicketNumber ?? storedNumber,
            RecipientName = email.Model.RecipientName ?? recipient.FirstName,
            TicketLink = email.Model.TicketLink ?? (email.TicketId is { } tid && _publicUrl is not null ? $"{_publicUrl}/tickets/{tid}" : null),
        };
        var ticketNumber = email.TicketId is null ? null : model.TicketNumber;
        var rendered = await RenderAsync(email.TemplateKey, template, model, ticketNumber);

        var id = Guid.CreateVersion7();
        string? inReplyTo = null, references = null;
        if (email.TicketId is { } ticketId)
        {
            inReplyTo = ThreadRootFor(ticketId);
            references = string.Join(' ', earlier.Prepend(inReplyTo));
        }

        var inserted = await connection.ExecuteScalarAsync<Guid?>(new CommandDefinition(InsertSql, new
        {
            Id = id,
            email.TemplateKey,
            RecipientId = email.RecipientUserId,
            ToAddress = recipient.Email,
            ToName = $"{recipient.FirstName} {recipient.LastName}".Trim(),
            email.TicketId,
            rendered.Subject,
            rendered.HtmlBody,
            rendered.TextBody,
            MessageId = MessageIdFor(id),
            InReplyTo = inReplyTo,
            ReferencesHeader = references,
            SealedSecret = email.Secret is { } secret ? _secrets.Seal(secret, id, recipient.Email) : null,
            AttachmentIds = email.AttachmentIds is { Count: > 0 } files ? files.ToArray() : null,
            email.ToFollower,
        }, transaction, cancellationToken: ct));
        return inserted;
    }

    private async Task<RenderedEmail> RenderAsync(string key, LoadedTemplate template, EmailModel model, long? ticketNumber)
    {
        var source = new EmailTemplateSource(template.Subject, template.HtmlBody, template.TextBody);
        try
        {
            return await _engine.RenderAsync(_engine.Compile(key, source), model, ticketNumber);
        }
        // A template that fails on real data must not fail the change that caused the email (nor lose the email).
        catch (Exception e) when (e is not OperationCanceledException)
        {
            _logger.LogError(e, "Email template {TemplateKey} failed to render; sending the plain fallback instead", key);
            return await _engine.RenderAsync(_engine.Compile("\0fallback", Fallback), model, ticketNumber);
        }
    }

    private sealed class LoadedRecipient
    {
        public string Email { get; init; } = "";
        public string FirstName { get; init; } = "";
        public string LastName { get; init; } = "";
        public bool IsActive { get; init; }
    }

    private sealed class LoadedTemplate
    {
        public string Subject { get; init; } = "";
        public string HtmlBody { get; init; } = "";
        public string TextBody { get; init; } = "";
        public bool IsActive { get; init; }
    }
}
