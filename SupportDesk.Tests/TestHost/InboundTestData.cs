using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Dapper;
using MailKit.Net.Smtp;
using MailKit.Security;
using Microsoft.Extensions.DependencyInjection;
using MimeKit;
using Npgsql;
using SupportDesk.Infrastructure.Inbound;

namespace SupportDesk.Tests.TestHost;

/// <summary>An inbound_messages row as the tests read it back.</summary>
public sealed class InboundRow
{
    public Guid Id { get; init; }
    public string Source { get; init; } = "";
    public string Status { get; init; } = "";
    public string? Reason { get; init; }
    public string? Error { get; init; }
    public string? MessageId { get; init; }
    public string? Sender { get; init; }
    public bool IsAuto { get; init; }
    public Guid? TicketId { get; init; }
    public Guid? CommentId { get; init; }
    public int Attempts { get; init; }
}

public sealed record InboundTicket(Guid Id, long Number, string Title, string Description, string Status, Guid RequesterId);

public sealed record InboundComment(Guid Id, Guid TicketId, Guid AuthorId, string Content, string CommentType);

/// <summary>
/// A database and an app whose inbound SMTP listener runs on a free port (STARTTLS with a self-signed certificate) and
/// whose outgoing mail goes to a real SMTP test server, so a test can answer the mail the service really sent.
/// </summary>
public sealed class InboundFixture : IAsyncLifetime
{
    public const string Support = "support@mail.supportdesk.test";
    public const string OtherAccepted = "billing@help.supportdesk.test";
    public const int MaxMessageMb = 5;

    public TestDatabase Database { get; private set; } = null!;
    public SmtpTestServer Outgoing { get; private set; } = null!;
    public SupportDeskFactory Factory { get; private set; } = null!;
    public int Port { get; private set; }
    public X509Certificate2 Certificate { get; private set; } = null!;
    private string _certPath = "";

    public string ConnectionString => Database.ConnectionString;

    /// <summary>This run's own folder in the private Dovecot (scripts/lib/dovecot.sh), which the app polls.</summary>
    public string ImapFolder { get; private set; } = "";

    public static (string Host, int Port, string User, string Password) Imap =>
        Environment.GetEnvironmentVariable("TEST_IMAP_HOST") is { Length: > 0 } host
            ? (host, int.Parse(Environment.GetEnvironmentVariable("TEST_IMAP_PORT")!, System.Globalization.CultureInfo.InvariantCulture),
                Environment.GetEnvironmentVariable("TEST_IMAP_USER")!, Environment.GetEnvironmentVariable("TEST_IMAP_PASSWORD")!)
            : throw new InvalidOperationException("TEST_IMAP_HOST is not set: run the tests with scripts/test, which starts Dovecot.");

    public static async Task<MailKit.Net.Imap.ImapClient> ImapAsync()
    {
        var client = new MailKit.Net.Imap.ImapClient();
        await client.ConnectAsync(Imap.Host, Imap.Port, SecureSocketOptions.None);
        await client.AuthenticateAsync(Imap.User, Imap.Password);
        return client;
    }

    /// <summary>Delivers into this run's folder, as the mail server's local delivery would.</summary>
    public async Task<MailKit.UniqueId?> AppendToImapAsync(MimeMessage message)
    {
        using var imap = await ImapAsync();
        var folder = await imap.GetFolderAsync(ImapFolder);
        await folder.OpenAsync(MailKit.FolderAccess.ReadWrite);
        var uid = await folder.AppendAsync(new MailKit.AppendRequest(message));
        await imap.DisconnectAsync(true);
        return uid;
    }

    /// <summary>The flags the message has in this run's folder now.</summary>
    public async Task<(MailKit.MessageFlags Flags, IReadOnlySet<string> Keywords)> ImapFlagsAsync(MailKit.UniqueId uid)
    {
        using var imap = await ImapAsync();
        var folder = await imap.GetFolderAsync(ImapFolder);
        await folder.OpenAsync(MailKit.FolderAccess.ReadOnly);
        var summary = (await folder.FetchAsync(new List<MailKit.UniqueId> { uid }, new MailKit.FetchRequest(MailKit.MessageSummaryItems.Flags))).Single();
        return (summary.Flags ?? MailKit.MessageFlags.None, summary.Keywords);
    }

    public async ValueTask InitializeAsync()
    {
        Database = await TestDatabase.CreateAsync("sd_inbound");
        Outgoing = await SmtpTestServer.StartAsync();
        Port = SmtpTestServer.FreePort();
        Certificate = SelfSignedCertificate();
        _certPath = Path.Combine(Path.GetTempPath(), $"sd-inbound-{Guid.NewGuid():N}.pfx");
        await File.WriteAllBytesAsync(_certPath, Certificate.Export(X509ContentType.Pkcs12, "pfx-pass"));
        ImapFolder = $"run-{Guid.NewGuid():N}";
        using (var imap = await ImapAsync())
            await imap.GetFolder(imap.PersonalNamespaces[0]).CreateAsync(ImapFolder, true);
        var settings = Settings(Database.Url, Outgoing.Port, Port, _certPath);
        settings["INBOUND_IMAP_URL"] = $"imap://{Imap.User}:{Imap.Password}@{Imap.Host}:{Imap.Port}/{ImapFolder}";
        Factory = new SupportDeskFactory(settings);
        using var client = Factory.CreateClient();
        (await client.GetAsync("/health")).EnsureSuccessStatusCode();
        await Factory.Services.GetRequiredService<InboundSmtpListener>().Listening;
    }

    public static Dictionary<string, string?> Settings(string databaseUrl, int outgoingPort, int inboundPort, string? certPath)
    {
        var settings = EmailTestData.SmtpSettings(databaseUrl, outgoingPort);
        settings["INBOUND_SMTP_PORT"] = inboundPort.ToString(System.Globalization.CultureInfo.InvariantCulture);
        settings["INBOUND_SMTP_BIND"] = "127.0.0.1";
        settings["INBOUND_ADDRESSES"] = $"{Support},help.supportdesk.test";
        settings["INBOUND_MAX_MESSAGE_MB"] = MaxMessageMb.ToString(System.Globalization.CultureInfo.InvariantCulture);
        settings["INBOUND_MAX_TICKETS_PER_SENDER_PER_HOUR"] = "3";
        settings["ATTACHMENTS_MAX_FILE_MB"] = "1";
        if (certPath is not null)
        {
            settings["INBOUND_SMTP_CERT_PATH"] = certPath;
            settings["INBOUND_SMTP_CERT_PASSWORD"] = "pfx-pass";
        }
        if (Environment.GetEnvironmentVariable("TEST_CLAMAV_HOST") is { Length: > 0 } clamav)
            settings["CLAMAV_HOST"] = clamav;
        return settings;
    }

    public async ValueTask DisposeAsync()
    {
        await Factory.DisposeAsync();
        await Outgoing.DisposeAsync();
        await Database.DisposeAsync();
        File.Delete(_certPath);
        try
        {
            using var imap = await ImapAsync();
            await (await imap.GetFolderAsync(ImapFolder)).DeleteAsync();
        }
        catch (Exception e) when (e is MailKit.FolderNotFoundException or MailKit.Net.Imap.ImapCommandException)
        {
            // Gone already.
        }
    }

    public async Task<NpgsqlConnection> OpenAsync() => await EmailTestData.OpenAsync(ConnectionString);

    /// <summary>Sends with MailKit's SmtpClient, as a relay would (STARTTLS when asked, trusting exactly our certificate).</summary>
    public async Task SendAsync(MimeMessage message, bool startTls = false, MailboxAddress? envelopeFrom = null, IEnumerable<MailboxAddress>? recipients = null)
    {
        using var smtp = new SmtpClient();
        smtp.ServerCertificateValidationCallback = (_, cert, _, _) => cert is not null && cert.GetCertHashString() == Certificate.GetCertHashString();
        await smtp.ConnectAsync("127.0.0.1", Port, startTls ? SecureSocketOptions.StartTls : SecureSocketOptions.None);
        await smtp.SendAsync(message, envelopeFrom ?? message.From.Mailboxes.First(), recipients ?? message.To.Mailboxes);
        await smtp.DisconnectAsync(true);
    }

    /// <summary>
    /// Speaks SMTP by hand and sends these exact bytes as DATA (dot-stuffed), for mail no library would write; returns the
    /// reply to the final dot.
    /// </summary>
    public async Task<string> SendRawAsync(byte[] raw, string from, string to = Support)
    {
        using var tcp = new System.Net.Sockets.TcpClient();
        await tcp.ConnectAsync(System.Net.IPAddress.Loopback, Port);
        await using var stream = tcp.GetStream();
        var reader = new StreamReader(stream, System.Text.Encoding.ASCII);
        async Task<string> ReplyAsync()
        {
            string line;
            do
                line = await reader.ReadLineAsync() ?? "";
            while (line.Length > 3 && line[3] == '-');
            return line;
        }
        async Task<string> CommandAsync(string command)
        {
            await stream.WriteAsync(System.Text.Encoding.ASCII.GetBytes(command + "\r\n"));
            return await ReplyAsync();
        }
        await ReplyAsync();
        await CommandAsync("EHLO raw.test");
        await CommandAsync($"MAIL FROM:<{from}>");
        await CommandAsync($"RCPT TO:<{to}>");
        var data = await CommandAsync("DATA");
        Assert.StartsWith("354", data);
        var body = new MemoryStream();
        var lineStart = true;
        foreach (var b in raw)
        {
            if (lineStart && b == (byte)'.')
                body.WriteByte((byte)'.');
            body.WriteByte(b);
            lineStart = b == (byte)'\n';
        }
        if (!lineStart)
            body.Write("\r\n"u8);
        body.Write(".\r\n"u8);
        await stream.WriteAsync(body.ToArray());
        var reply = await ReplyAsync();
        await CommandAsync("QUIT");
        return reply;
    }

    /// <summary>Waits until the mail with this subject (unique per test) is processed; for mail without a usable Message-ID.</summary>
    public async Task<InboundRow> WaitBySubjectAsync(string subject)
    {
        InboundRow? row = null;
        await EmailTestData.EventuallyAsync(async () =>
        {
            await using var db = await OpenAsync();
            row = await db.QueryFirstOrDefaultAsync<InboundRow>(
                "SELECT * FROM inbound_messages WHERE subject LIKE '%' || @subject || '%' AND status <> 'received' ORDER BY received_at DESC LIMIT 1", new { subject });
            return row is not null;
        }, $"inbound '{subject}' processed");
        return row!;
    }

    public async Task<List<(string FileName, string ContentType, long Size, Guid? CommentId)>> AttachmentsAsync(Guid ticketId)
    {
        await using var db = await OpenAsync();
        return (await db.QueryAsync<(string, string, long, Guid?)>(
            "SELECT file_name, content_type, size, comment_id FROM attachments WHERE ticket_id = @ticketId ORDER BY created_at, file_name", new { ticketId })).AsList();
    }

    /// <summary>Waits until the mail with this Message-ID is processed (or flagged/failed); returns its row.</summary>
    public async Task<InboundRow> WaitProcessedAsync(string? messageId)
    {
        var id = $"<{messageId!.Trim('<', '>')}>";
        InboundRow? row = null;
        await EmailTestData.EventuallyAsync(async () =>
        {
            await using var db = await OpenAsync();
            row = await db.QueryFirstOrDefaultAsync<InboundRow>(
                "SELECT * FROM inbound_messages WHERE message_id = @id AND status <> 'received' ORDER BY received_at DESC LIMIT 1", new { id });
            return row is not null;
        }, $"inbound {id} processed");
        return row!;
    }

    public async Task<List<InboundRow>> RowsAsync(string? messageId)
    {
        await using var db = await OpenAsync();
        return (await db.QueryAsync<InboundRow>("SELECT * FROM inbound_messages WHERE message_id = @id", new { id = $"<{messageId!.Trim('<', '>')}>" })).AsList();
    }

    public async Task<InboundTicket> TicketAsync(Guid id)
    {
        await using var db = await OpenAsync();
        return await db.QuerySingleAsync<InboundTicket>("SELECT id, number, title, description, status, requester_id FROM tickets WHERE id = @id", new { id });
    }

    public async Task<List<InboundComment>> CommentsAsync(Guid ticketId)
    {
        await using var db = await OpenAsync();
        return (await db.QueryAsync<InboundComment>(
            "SELECT id, ticket_id, author_id, content, comment_type FROM comments WHERE ticket_id = @ticketId ORDER BY created_at, id", new { ticketId })).AsList();
    }

    public async Task<Guid?> UserIdAsync(string email)
    {
        await using var db = await OpenAsync();
        return await db.ExecuteScalarAsync<Guid?>("SELECT id FROM users WHERE lower(email) = lower(@email)", new { email });
    }

    private static X509Certificate2 SelfSignedCertificate()
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest("CN=inbound.test", key, HashAlgorithmName.SHA256);
        using var ephemeral = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddMinutes(-5), DateTimeOffset.UtcNow.AddHours(2));
        return X509CertificateLoader.LoadPkcs12(ephemeral.Export(X509ContentType.Pkcs12), null);
    }
}

/// <summary>Mail as real clients write it.</summary>
public static class InboundMail
{
    public static string NewAddress(string prefix = "mailer") => AppFixture.UniqueEmail(prefix);

    public static MimeMessage Message(string from, string subject, string text, string to = InboundFixture.Support, string? fromName = "Cara Mailer")
    {
        var message = new MimeMessage { Subject = subject, MessageId = MimeKit.Utils.MimeUtils.GenerateMessageId("client.test") };
        message.From.Add(new MailboxAddress(fromName, from));
        message.To.Add(MailboxAddress.Parse(to));
        message.Body = new TextPart("plain") { Text = text };
        return message;
    }

    /// <summary>A reply the way a mail client makes one: Re: subject, In-Reply-To and References, the original quoted below.</summary>
    public static MimeMessage ReplyTo(MimeMessage original, string from, string text)
    {
        var reply = new MimeMessage
        {
            Subject = (original.Subject ?? "").StartsWith("Re:", StringComparison.OrdinalIgnoreCase) ? original.Subject! : "Re: " + original.Subject,
            MessageId = MimeKit.Utils.MimeUtils.GenerateMessageId("client.test"),
            InReplyTo = original.MessageId,
        };
        foreach (var id in original.References)
            reply.References.Add(id);
        reply.References.Add(original.MessageId!);
        reply.From.Add(MailboxAddress.Parse(from));
        reply.To.Add(original.From.Mailboxes.First());
        var quoted = string.Join("\n", (original.TextBody ?? "").Split('\n').Select(l => "> " + l));
        reply.Body = new TextPart("plain") { Text = $"{text}\n\nOn Wed, Dec 2, 2026 at 10:15 AM SupportDesk <{original.From.Mailboxes.First().Address}> wrote:\n{quoted}\n" };
        return reply;
    }
}
