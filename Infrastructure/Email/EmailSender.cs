using System.Diagnostics;
using System.Net.Security;
using Dapper;
using MailKit.Net.Smtp;
using MailKit.Security;
using MailKit;
using MimeKit;
using Npgsql;
using SupportDesk.Infrastructure.Database;
using SupportDesk.Infrastructure.Attachments;
using SupportDesk.Infrastructure.Configuration;

namespace SupportDesk.Infrastructure.Email;

/// <summary>
/// Delivers the outbox over SMTP. Any number of instances may run against one database: rows are claimed with
/// FOR UPDATE SKIP LOCKED and leased, so each row has one sender at a time, and a crashed sender's rows are
/// claimed again once the lease ends. Does nothing while EMAIL_SMTP_HOST is unset (rows stay pending).
/// </summary>
public sealed class EmailSender(NpgsqlDataSource dataSource, AppSettings appSettings, TimeProvider clock, ILogger<EmailSender> logger,
    IAttachmentStore attachmentStore, SmtpCertificateValidation? certificateValidation = null)
    : BackgroundService
{
    private const int MaxErrorLength = 2000;
    private static readonly TimeSpan SmtpTimeout = TimeSpan.FromSeconds(30);

    // Due pending rows, and sending rows whose lease ran out (their sender died). attempts counts claims and
    // doubles as a fencing token: a sender whose lease was taken over cannot overwrite the new owner's outcome.
    private const string ClaimSql = """
        UPDATE email_outbox o
        SET status = 'sending', attempts = o.attempts + 1, next_attempt_at = now() + @Lease
        WHERE o.id IN (
            SELECT id FROM email_outbox
            WHERE status IN ('pending', 'sending') AND next_attempt_at <= now()
            ORDER BY next_attempt_at, id
            LIMIT @BatchSize
            FOR UPDATE SKIP LOCKED)
        RETURNING o.id, o.to_address, o.to_name, o.subject, o.html_body, o.text_body,
                  o.message_id, o.in_reply_to, o.references_header, o.attempts, o.sealed_secret, o.attachment_ids, o.ticket_id
        """;

    // Checked again when the mail goes out: a file taken off its comment since, or a ticket deleted since, is not sent.
    private const string AttachmentFilesSql = """
        SELECT a.file_name, a.content_type, a.size, a.sha256
        FROM attachments a
        JOIN comments c ON c.id = a.comment_id AND c.comment_type = 'public'
        JOIN tickets t ON t.id = a.ticket_id AND t.deleted_at IS NULL
        WHERE a.id = ANY(@Ids)
        ORDER BY a.created_at, a.id
        """;

    // Once the mail is out, the sealed secret (see OutboxSecrets) has done its job: not even a sealed copy stays.
    private const string MarkSentSql = """
        UPDATE email_outbox SET status = 'sent', sent_at = now(), last_error = NULL, sealed_secret = NULL
        WHERE id = @Id AND status = 'sending' AND attempts = @Attempts
        """;

    private const string MarkFailedSql = """
        UPDATE email_outbox SET
            status = CASE WHEN @Permanent OR attempts >= @MaxAttempts THEN 'failed' ELSE 'pending' END,
            next_attempt_at = now() + @Backoff,
            last_error = @Error
        WHERE id = @Id AND status = 'sending' AND attempts = @Attempts
        """;

    // Rows claimed but not tried (shutdown, or the batch ran long): back to pending without using up an attempt.
    private const string ReleaseSql = """
        UPDATE email_outbox SET status = 'pending', attempts = attempts - 1, next_attempt_at = now()
        WHERE id = ANY(@Ids) AND status = 'sending'
        """;

    private readonly EmailSettings _settings = appSettings.Email;
    private readonly MailboxAddress _from = MailboxAddress.Parse(appSettings.Email.From);
    private readonly OutboxSecrets _secrets = new(appSettings);
    private readonly ThreadMarker _marker = new(appSettings);
    // A server without STARTTLS fails every round the same way: one error in the log, not one per email and attempt.
    private bool _plaintextRefusalLogged;

    private sealed class ClaimedEmail
    {
        public Guid Id { get; init; }
        public string ToAddress { get; init; } = "";
        public string ToName { get; init; } = "";
        public string Subject { get; init; } = "";
        public string HtmlBody { get; init; } = "";
        public string TextBody { get; init; } = "";
        public string MessageId { get; init; } = "";
        public string? InReplyTo { get; init; }
        public string? ReferencesHeader { get; init; }
        public int Attempts { get; init; }
        public byte[]? SealedSecret { get; init; }
        public Guid[]? AttachmentIds { get; init; }
        public Guid? TicketId { get; init; }
    }

    private sealed record AttachmentFile(string FileName, string ContentType, long Size, string Sha256);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (_settings.SmtpHost is null)
            return; // Start-up already logged that emails stay queued.

        await Task.Yield();
        var pollInterval = TimeSpan.FromMilliseconds(_settings.PollIntervalMs);
        await using var wakeUp = new NotifyWakeUp(dataSource, EmailOutbox.NotifyChannel, logger);
        while (!stoppingToken.IsCancellationRequested)
        {
            var claimed = 0;
            try
            {
                claimed = await SendDueBatchAsync(stoppingToken);
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            // The sender must outlive a database outage or a bug in one batch; it logs and tries again next round.
            catch (Exception e)
            {
                logger.LogError(e, "Email sender round failed; retrying in {PollIntervalMs} ms", _settings.PollIntervalMs);
            }

            // A full batch means more may be due right now.
            if (claimed == _settings.BatchSize)
                continue;
            try
            {
                await wakeUp.WaitAsync(pollInterval, stoppingToken);
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
        }
    }

    /// <summary>Claims one batch and tries each row once; returns how many rows were claimed.</summary>
    internal async Task<int> SendDueBatchAsync(CancellationToken ct)
    {
        var lease = TimeSpan.FromSeconds(_settings.LeaseSeconds);
        List<ClaimedEmail> batch;
        await using (var connection = await dataSource.OpenConnectionAsync(ct))
        {
            batch = (await connection.QueryAsync<ClaimedEmail>(new CommandDefinition(ClaimSql,
                new { Lease = lease, _settings.BatchSize }, cancellationToken: ct))).AsList();
        }
        if (batch.Count == 0)
            return 0;

        var started = Stopwatch.StartNew();
        var next = 0;
        try
        {
            using var smtp = new SmtpClient { Timeout = (int)SmtpTimeout.TotalMilliseconds };
            if (certificateValidation is not null)
                smtp.ServerCertificateValidationCallback = certificateValidation.Callback;
            for (; next < batch.Count; next++)
            {
                // Stop well before the lease ends, so no other instance takes over a row this one may still send.
                if (started.Elapsed > lease / 2)
                    break;
                var email = batch[next];
                try
                {
                    if (!smtp.IsConnected)
                        await ConnectAsync(smtp, ct);
                    var message = ToMimeMessage(email);
                    if (_settings.AttachFiles && email.AttachmentIds is { Length: > 0 } ids)
                        await AttachFilesAsync(message, ids, ct);
                    await smtp.SendAsync(message, ct);
                }
                catch (Exception e) when (e is not OperationCanceledException || !ct.IsCancellationRequested)
                {
                    await MarkFailedAsync(email, e);
                    if (!smtp.IsConnected && e is not SmtpCommandException)
                    {
                        // The server is unreachable: the rest of the batch would fail the same way; give them the same outcome now.
                        for (next++; next < batch.Count; next++)
                            await MarkFailedAsync(batch[next], e);
                        break;
                    }
                    continue;
                }
                await MarkSentAsync(email);
            }
            if (smtp.IsConnected)
                await smtp.DisconnectAsync(quit: true, CancellationToken.None);
        }
        finally
        {
            // The row in flight when cancelled (if any) keeps its lease: it may have been delivered, so it is not released.
            var untried = batch.Skip(next + (ct.IsCancellationRequested ? 1 : 0)).Select(e => e.Id).ToArray();
            if (untried.Length > 0)
                await ReleaseAsync(untried);
        }
        return batch.Count;
    }

    private async Task ConnectAsync(SmtpClient smtp, CancellationToken ct)
    {
        var security = _settings.SmtpSecurity switch
        {
            SmtpSecurity.Tls => SecureSocketOptions.SslOnConnect,
            SmtpSecurity.None => SecureSocketOptions.None,
            _ => SecureSocketOptions.StartTls,
        };
        try
        {
            await smtp.ConnectAsync(_settings.SmtpHost!, _settings.SmtpPort, security, ct);
        }
        // MailKit refuses before anything is sent (AUTH included) when STARTTLS is required but not offered.
        catch (NotSupportedException) when (security == SecureSocketOptions.StartTls)
        {
            var refusal = new SmtpPlaintextRefusedException(
                $"{_settings.SmtpHost}:{_settings.SmtpPort} does not offer STARTTLS; with EMAIL_SMTP_SECURITY=starttls nothing " +
                "(credentials or mail) is sent in plaintext. Use a server with TLS, or set EMAIL_SMTP_SECURITY=none to allow plaintext.");
            if (smtp.IsConnected)
                await smtp.DisconnectAsync(quit: false, CancellationToken.None);
            if (!_plaintextRefusalLogged)
                logger.LogError("SMTP delivery refused: {Reason}", refusal.Message);
            _plaintextRefusalLogged = true;
            throw refusal;
        }
        _plaintextRefusalLogged = false;
        if (_settings.Username is not null)
            await smtp.AuthenticateAsync(_settings.Username, _settings.Password ?? "", ct);
    }

    /// <summary>
    /// The reply's files as MIME parts, in order, while they fit EMAIL_ATTACH_MAX_MB together; the rest stay links (the
    /// body always lists them). Bytes missing from the store are skipped the same way, never a failed delivery.
    /// </summary>
    private async Task AttachFilesAsync(MimeMessage message, Guid[] ids, CancellationToken ct)
    {
        List<AttachmentFile> files;
        await using (var connection = await dataSource.OpenConnectionAsync(ct))
            files = (await connection.QueryAsync<AttachmentFile>(new CommandDefinition(AttachmentFilesSql, new { Ids = ids }, cancellationToken: ct))).AsList();
        if (files.Count == 0 || message.Body is not { } text)
            return;

        var body = new Multipart("mixed") { text };
        long total = 0;
        foreach (var file in files)
        {
            if (total + file.Size > _settings.AttachMaxBytes)
                continue;
            await using var stream = attachmentStore.OpenRead(file.Sha256);
            if (stream is null)
                continue;
            var content = new MemoryStream((int)file.Size);
            await stream.CopyToAsync(content, ct);
            content.Position = 0;
            body.Add(new MimePart(ContentType.Parse(file.ContentType))
            {
                Content = new MimeContent(content),
                ContentDisposition = new ContentDisposition(ContentDisposition.Attachment),
                ContentTransferEncoding = ContentEncoding.Base64,
                FileName = file.FileName,
            });
            total += file.Size;
        }
        if (body.Count > 1)
            message.Body = body;
    }

    private MimeMessage ToMimeMessage(ClaimedEmail email)
    {
        // A CryptographicException here (JWT_SECRET changed since the row was written) fails this attempt like any send error.
        var secret = email.SealedSecret is { } sealedSecret ? _secrets.Open(sealedSecret, email.Id, email.ToAddress) : null;
        string Fill(string text) => secret is null ? text : text.Replace(OutboxSecrets.Placeholder, secret, StringComparison.Ordinal);
        var message = new MimeMessage
        {
            Subject = Fill(email.Subject),
            Date = clock.GetUtcNow(),
            MessageId = StripBrackets(email.MessageId),
            Body = new BodyBuilder
            {
                // The reply-finding token (ThreadMarker), for when a provider rewrites Message-IDs.
                TextBody = Fill(email.TextBody) + (email.TicketId is { } t ? _marker.TextLine(t) : ""),
                HtmlBody = Fill(email.HtmlBody) + (email.TicketId is { } h ? _marker.HtmlSpan(h) : ""),
            }.ToMessageBody(),
        };
        message.From.Add(_from);
        message.To.Add(new MailboxAddress(email.ToName, email.ToAddress));
        if (email.InReplyTo is not null)
            message.InReplyTo = StripBrackets(email.InReplyTo);
        if (email.ReferencesHeader is not null)
        {
            foreach (var id in email.ReferencesHeader.Split(' ', StringSplitOptions.RemoveEmptyEntries))
                message.References.Add(StripBrackets(id));
        }
        // Mail-loop protection: auto-responders must not answer notifications.
        message.Headers.Add("Auto-Submitted", "auto-generated");
        message.Headers.Add("X-Auto-Response-Suppress", "All");
        return message;
    }

    private static string StripBrackets(string id) => id.Trim().TrimStart('<').TrimEnd('>');

    private async Task MarkSentAsync(ClaimedEmail email)
    {
        // Not cancellable: once the server accepted the message, recording that matters more than a fast shutdown.
        await using var connection = await dataSource.OpenConnectionAsync(CancellationToken.None);
        await connection.ExecuteAsync(new CommandDefinition(MarkSentSql, new { email.Id, email.Attempts }));
    }

    private async Task MarkFailedAsync(ClaimedEmail email, Exception error)
    {
        // A recipient the server refuses for good (5xx on RCPT) will not get better by retrying.
        var permanent = error is SmtpCommandException { ErrorCode: SmtpErrorCode.RecipientNotAccepted } command && (int)command.StatusCode >= 500
            || error is System.Security.Cryptography.CryptographicException; // a seal that does not open never will
        var message = Describe(error);
        if (error is not SmtpPlaintextRefusedException)
            logger.LogWarning("Email {OutboxId} attempt {Attempt} failed: {Error}", email.Id, email.Attempts, message);
        await using var connection = await dataSource.OpenConnectionAsync(CancellationToken.None);
        await connection.ExecuteAsync(new CommandDefinition(MarkFailedSql, new
        {
            email.Id,
            email.Attempts,
            Permanent = permanent,
            _settings.MaxAttempts,
            Backoff = Backoff(email.Attempts),
            Error = message,
        }));
    }

    private async Task ReleaseAsync(Guid[] ids)
    {
        await using var connection = await dataSource.OpenConnectionAsync(CancellationToken.None);
        await connection.ExecuteAsync(new CommandDefinition(ReleaseSql, new { Ids = ids }));
    }

    /// <summary>base · 2^(attempt−1), capped at EMAIL_BACKOFF_MAX_MS.</summary>
    internal TimeSpan Backoff(int attempt)
    {
        var ms = _settings.BackoffBaseMs * Math.Pow(2, Math.Clamp(attempt - 1, 0, 30));
        return TimeSpan.FromMilliseconds(Math.Min(ms, _settings.BackoffMaxMs));
    }

    // Only the exception's type and message: MailKit never puts the password there, and the settings are never logged.
    private static string Describe(Exception e)
    {
        var text = $"{e.GetType().Name}: {e.Message}";
        return text.Length > MaxErrorLength ? text[..MaxErrorLength] : text;
    }
}

/// <summary>STARTTLS is required (EMAIL_SMTP_SECURITY=starttls) and the server does not offer it; recorded on the outbox row.</summary>
public sealed class SmtpPlaintextRefusedException(string message) : Exception(message);

/// <summary>
/// Replaces the system's check of the SMTP server's certificate. Production registers none (the system trust store
/// decides); tests register one that trusts exactly their self-signed certificate.
/// </summary>
public sealed record SmtpCertificateValidation(RemoteCertificateValidationCallback Callback);
