using MimeKit;
using SupportDesk.Infrastructure.Configuration;

namespace SupportDesk.Infrastructure.Inbound;

/// <summary>Inbound email: the SMTP listener, IMAP mailboxes, and the rules the worker applies to what arrives.</summary>
public sealed class InboundSettings
{
    internal static readonly IntSetting SmtpPortSetting = new("INBOUND_SMTP_PORT", 0, 0, 65535);
    internal static readonly TextSetting SmtpBindSetting = new("INBOUND_SMTP_BIND", "0.0.0.0");
    internal static readonly TextSetting AddressesSetting = new("INBOUND_ADDRESSES");
    internal static readonly IntSetting MaxMessageMbSetting = new("INBOUND_MAX_MESSAGE_MB", 25, 1, 1024);
    internal static readonly TextSetting SmtpCertPathSetting = new("INBOUND_SMTP_CERT_PATH");
    internal static readonly TextSetting SmtpCertPasswordSetting = new("INBOUND_SMTP_CERT_PASSWORD");
    internal static readonly TextSetting ImapUrlSetting = new("INBOUND_IMAP_URL");
    internal static readonly IntSetting ImapPollSecondsSetting = new("INBOUND_IMAP_POLL_SECONDS", 60, 1, 86_400);
    internal static readonly IntSetting ReopenMaxDaysSetting = new("INBOUND_REOPEN_MAX_DAYS", 30, 0, 36_500);
    internal static readonly IntSetting MaxTicketsPerSenderSetting = new("INBOUND_MAX_TICKETS_PER_SENDER_PER_HOUR", 10, 1, 1_000_000);
    internal static readonly IntSetting WorkersSetting = new("INBOUND_WORKERS", 2, 1, 64);

    /// <summary>0: no SMTP listener.</summary>
    public int SmtpPort { get; init; }
    public string SmtpBind { get; init; } = SmtpBindSetting.Default!;
    /// <summary>Whole addresses (lower case) the service accepts mail for.</summary>
    public IReadOnlySet<string> Addresses { get; init; } = new HashSet<string>();
    /// <summary>Domains (lower case) every address of which is accepted.</summary>
    public IReadOnlySet<string> Domains { get; init; } = new HashSet<string>();
    public int MaxMessageBytes { get; init; } = MaxMessageMbSetting.Default * 1024 * 1024;
    public string? SmtpCertPath { get; init; }
    public string? SmtpCertPassword { get; init; }
    public IReadOnlyList<Uri> ImapUrls { get; init; } = [];
    public TimeSpan ImapPollInterval { get; init; } = TimeSpan.FromSeconds(ImapPollSecondsSetting.Default);
    /// <summary>A reply to a ticket closed longer ago than this opens a new ticket that links the old one.</summary>
    public int ReopenMaxDays { get; init; } = ReopenMaxDaysSetting.Default;
    public int MaxTicketsPerSenderPerHour { get; init; } = MaxTicketsPerSenderSetting.Default;
    public int Workers { get; init; } = WorkersSetting.Default;

    /// <summary>Whether mail for this address is ours to take (the RCPT check).</summary>
    public bool Accepts(string address)
    {
        var lower = address.Trim().ToLowerInvariant();
        var at = lower.LastIndexOf('@');
        return Addresses.Contains(lower) || (at > 0 && Domains.Contains(lower[(at + 1)..]));
    }

    /// <summary>Whether a sender is the service itself (a loop): one of the accepted addresses, or EMAIL_FROM.</summary>
    public bool IsOwnAddress(string address) => Addresses.Contains(address.Trim().ToLowerInvariant());

    public static InboundSettings Read(IConfiguration config, string emailFrom)
    {
        var addresses = new HashSet<string>(StringComparer.Ordinal);
        var domains = new HashSet<string>(StringComparer.Ordinal);
        var raw = AddressesSetting.Read(config) ?? MailboxAddress.Parse(emailFrom).Address;
        foreach (var entry in raw.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            var lower = entry.ToLowerInvariant().TrimStart('@');
            if (lower.Contains('@'))
                addresses.Add(lower);
            else if (lower.Contains('.') || lower == "localhost")
                domains.Add(lower);
            else
                throw new StartupException($"INBOUND_ADDRESSES: '{entry}' is neither an address (support@example.com) nor a domain (example.com).");
        }
        addresses.Add(MailboxAddress.Parse(emailFrom).Address.ToLowerInvariant());

        var urls = new List<Uri>();
        foreach (var entry in (ImapUrlSetting.Read(config) ?? "").Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            if (!Uri.TryCreate(entry, UriKind.Absolute, out var uri) || uri.Scheme is not ("imap" or "imaps") || string.IsNullOrEmpty(uri.UserInfo))
                throw new StartupException("INBOUND_IMAP_URL must be imaps://user:password@host[:port]/MAILBOX (or imap:// for plaintext/STARTTLS), comma-separated for several.");
            urls.Add(uri);
        }

        var certPath = SmtpCertPathSetting.Read(config);
        if (certPath is not null && !File.Exists(certPath))
            throw new StartupException($"INBOUND_SMTP_CERT_PATH: there is no file '{certPath}' (a PKCS#12 .pfx holding the certificate and its key).");

        return new InboundSettings
        {
            SmtpPort = SmtpPortSetting.Read(config),
            SmtpBind = SmtpBindSetting.Read(config)!,
            Addresses = addresses,
            Domains = domains,
            MaxMessageBytes = MaxMessageMbSetting.Read(config) * 1024 * 1024,
            SmtpCertPath = certPath,
            SmtpCertPassword = SmtpCertPasswordSetting.Read(config),
            ImapUrls = urls,
            ImapPollInterval = TimeSpan.FromSeconds(ImapPollSecondsSetting.Read(config)),
            ReopenMaxDays = ReopenMaxDaysSetting.Read(config),
            MaxTicketsPerSenderPerHour = MaxTicketsPerSenderSetting.Read(config),
            Workers = WorkersSetting.Read(config),
        };
    }
}
