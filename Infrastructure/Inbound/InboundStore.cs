using System.Security.Cryptography;
using System.Text;
using Dapper;
using MimeKit;
using Npgsql;

namespace SupportDesk.Infrastructure.Inbound;

/// <summary>What storing one received message came to.</summary>
public enum InboundStoreOutcome { Stored, Duplicate, TooLarge }

/// <summary>
/// The one door into inbound_messages, for the SMTP listener and the IMAP poller alike: the raw bytes are committed
/// (size-capped, deduplicated) before the caller acknowledges the message, then this instance's workers are woken.
/// Parsing here is only for the few header fields the row keeps; a message MimeKit cannot parse is stored all the same.
/// </summary>
public sealed class InboundStore(NpgsqlDataSource dataSource, Configuration.AppSettings settings, InboundSignal signal, ILogger<InboundStore> logger)
{
    /// <summary>The workers' LISTEN channel: a retry on any instance wakes them through it.</summary>
    public const string NotifyChannel = "inbound_messages";

    private const string InsertSql = """
        INSERT INTO inbound_messages (id, source, raw, size, sha256, dedup_key, message_id, envelope_from, recipient, sender, subject)
        VALUES (@Id, @Source, @Raw, @Size, @Sha256, @DedupKey, @MessageId, @EnvelopeFrom, @Recipient, @Sender, @Subject)
        ON CONFLICT (dedup_key) DO NOTHING
        """;

    /// <param name="recipient">The envelope recipient that is ours (SMTP), null when there is no envelope (IMAP).</param>
    public async Task<InboundStoreOutcome> StoreAsync(byte[] raw, string source, string? envelopeFrom, string? recipient, CancellationToken ct)
    {
        if (raw.Length > settings.Inbound.MaxMessageBytes)
            return InboundStoreOutcome.TooLarge;

        var (messageId, sender, subject) = ReadHeaders(raw);
        var inserted = 0;
        await using (var connection = await dataSource.OpenConnectionAsync(ct))
        {
            inserted = await connection.ExecuteAsync(new CommandDefinition(InsertSql, new
            {
                Id = Guid.CreateVersion7(),
                Source = source,
                Raw = raw,
                Size = raw.Length,
                Sha256 = Convert.ToHexStringLower(SHA256.HashData(raw)),
                DedupKey = DedupKey(raw, messageId, sender, subject),
                MessageId = Clean(messageId, 998),
                EnvelopeFrom = Clean(envelopeFrom, 998),
                Recipient = Clean(recipient?.Trim().ToLowerInvariant(), 320),
                Sender = Clean(sender, 320),
                Subject = Clean(subject, 998),
            }, cancellationToken: ct));
        }
        if (inserted > 0)
            signal.Set();
        if (inserted == 0)
            logger.LogInformation("Inbound message {MessageId} ({Source}) was already stored", messageId, source);
        return inserted > 0 ? InboundStoreOutcome.Stored : InboundStoreOutcome.Duplicate;
    }

    private static (string? MessageId, string? Sender, string? Subject) ReadHeaders(byte[] raw)
    {
        try
        {
            using var stream = new MemoryStream(raw, writable: false);
            var headers = HeaderList.Load(stream);
            var messageId = headers[HeaderId.MessageId] is { } id ? "<" + (MimeKit.Utils.MimeUtils.ParseMessageId(id) ?? id.Trim()).Trim('<', '>', ' ') + ">" : null;
            var sender = InternetAddressList.TryParse(headers[HeaderId.From] ?? "", out var from)
                ? from.Mailboxes.FirstOrDefault()?.Address : null;
            return (messageId, sender, headers[HeaderId.Subject]);
        }
        catch (FormatException)
        {
            return (null, null, null);
        }
    }

    /// <summary>
    /// The same message delivered twice, or once by SMTP and once by IMAP (where the server added trace headers), has one
    /// key: Message-ID, sender, subject and the body with line endings and trailing space normalised. Two different
    /// mails that share a Message-ID have different keys, so neither is lost.
    /// </summary>
    internal static string DedupKey(byte[] raw, string? messageId, string? sender, string? subject)
    {
        var bodyStart = HeaderEnd(raw);
        var body = Encoding.Latin1.GetString(raw, bodyStart, raw.Length - bodyStart).Replace("\r", "", StringComparison.Ordinal).TrimEnd();
        var text = $"{messageId}\0{sender?.ToLowerInvariant()}\0{subject?.Trim()}\0{body}";
        return Convert.ToHexStringLower(SHA256.HashData(Encoding.Latin1.GetBytes(text)));
    }

    private static int HeaderEnd(byte[] raw)
    {
        for (var i = 0; i + 1 < raw.Length; i++)
        {
            if (raw[i] != '\n')
                continue;
            if (raw[i + 1] == '\n')
                return i + 2;
            if (raw[i + 1] == '\r' && i + 2 < raw.Length && raw[i + 2] == '\n')
                return i + 3;
        }
        return raw.Length;
    }

    /// <summary>Header text as PostgreSQL can store it: no NUL, no lone surrogates, bounded.</summary>
    internal static string? Clean(string? value, int max)
    {
        if (value is null)
            return null;
        var builder = new StringBuilder(Math.Min(value.Length, max));
        for (var i = 0; i < value.Length && builder.Length < max; i++)
        {
            var c = value[i];
            if (char.IsHighSurrogate(c) && i + 1 < value.Length && char.IsLowSurrogate(value[i + 1]))
            {
                builder.Append(c).Append(value[++i]);
                continue;
            }
            if (c == '\0' || char.IsSurrogate(c))
                continue;
            builder.Append(c);
        }
        return builder.ToString();
    }
}
