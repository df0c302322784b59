using SupportDesk.Infrastructure.Configuration;

namespace SupportDesk.Infrastructure.Email;

public sealed class EmailSettings
{
    internal static readonly TextSetting SmtpHostSetting = new("EMAIL_SMTP_HOST");
    internal static readonly IntSetting SmtpPortSetting = new("EMAIL_SMTP_PORT", 587, 1, 65535);
    internal static readonly TextSetting SmtpSecuritySetting = new("EMAIL_SMTP_SECURITY", "starttls");
    internal static readonly TextSetting UsernameSetting = new("EMAIL_USERNAME");
    internal static readonly TextSetting PasswordSetting = new("EMAIL_PASSWORD");
    internal static readonly TextSetting FromSetting = new("EMAIL_FROM", "SupportDesk <support@localhost>");
    internal static readonly IntSetting MaxAttemptsSetting = new("EMAIL_MAX_ATTEMPTS", 8, 1, 100);
    internal static readonly IntSetting PollIntervalSetting = new("EMAIL_POLL_INTERVAL_MS", 2000, 10, 3_600_000);
    internal static readonly IntSetting BackoffBaseSetting = new("EMAIL_BACKOFF_BASE_MS", 30_000, 10, 86_400_000);
    internal static readonly IntSetting BackoffMaxSetting = new("EMAIL_BACKOFF_MAX_MS", 3_600_000, 10, 7 * 86_400_000);
    internal static readonly IntSetting BatchSizeSetting = new("EMAIL_BATCH_SIZE", 20, 1, 500);
    internal static readonly IntSetting LeaseSetting = new("EMAIL_LEASE_SECONDS", 300, 10, 86_400);
    internal static readonly IntSetting RetentionSetting = new("EMAIL_RETENTION_DAYS", 30, 0, 36_500);
    internal static readonly TextSetting PublicUrlSetting = new("PUBLIC_URL");
    internal static readonly BoolSetting AttachFilesSetting = new("EMAIL_ATTACH_FILES", false);
    internal static readonly IntSetting AttachMaxMbSetting = new("EMAIL_ATTACH_MAX_MB", 10, 1, 100);

    /// <summary>Unset: emails stay queued until it is set.</summary>
    public string? SmtpHost { get; init; }
    public int SmtpPort { get; init; } = SmtpPortSetting.Default;
    public SmtpSecurity SmtpSecurity { get; init; } = SmtpSecurity.StartTls;
    public string? Username { get; init; }
    public string? Password { get; init; }
    public string From { get; init; } = FromSetting.Default!;
    /// <summary>Delivery attempts before a row is marked failed.</summary>
    public int MaxAttempts { get; init; } = MaxAttemptsSetting.Default;
    public int PollIntervalMs { get; init; } = PollIntervalSetting.Default;
    /// <summary>Delay after the first failed attempt; doubled per attempt up to BackoffMaxMs.</summary>
    public int BackoffBaseMs { get; init; } = BackoffBaseSetting.Default;
    public int BackoffMaxMs { get; init; } = BackoffMaxSetting.Default;
    public int BatchSize { get; init; } = BatchSizeSetting.Default;
    /// <summary>How long a claimed row belongs to one sender; after that another instance may claim it again.</summary>
    public int LeaseSeconds { get; init; } = LeaseSetting.Default;
    /// <summary>Days a sent email stays in the outbox before it is deleted; 0 keeps them.</summary>
    public int RetentionDays { get; init; } = RetentionSetting.Default;
    /// <summary>Base URL of the web front end (no trailing slash), used for ticket links in emails; null: no links.</summary>
    public string? PublicUrl { get; init; }
    /// <summary>Attach a reply's files to its email (links are always there), up to <see cref="AttachMaxBytes"/> in all.</summary>
    public bool AttachFiles { get; init; }
    public long AttachMaxBytes { get; init; } = AttachMaxMbSetting.Default * 1024L * 1024;

    public static EmailSettings Read(IConfiguration config) => new()
    {
        SmtpHost = SmtpHostSetting.Read(config),
        SmtpPort = SmtpPortSetting.Read(config),
        SmtpSecurity = ReadSecurity(config),
        Username = UsernameSetting.Read(config),
        Password = PasswordSetting.Read(config),
        From = ReadFromAddress(config),
        MaxAttempts = MaxAttemptsSetting.Read(config),
        PollIntervalMs = PollIntervalSetting.Read(config),
        BackoffBaseMs = BackoffBaseSetting.Read(config),
        BackoffMaxMs = BackoffMaxSetting.Read(config),
        BatchSize = BatchSizeSetting.Read(config),
        LeaseSeconds = LeaseSetting.Read(config),
        RetentionDays = RetentionSetting.Read(config),
        PublicUrl = ReadPublicUrl(config),
        AttachFiles = AttachFilesSetting.Read(config),
        AttachMaxBytes = AttachMaxMbSetting.Read(config) * 1024L * 1024,
    };

    private static SmtpSecurity ReadSecurity(IConfiguration config)
    {
        // Port 465 speaks TLS from the first byte: STARTTLS there could never work, so unset means tls on it.
        if (string.IsNullOrWhiteSpace(config[SmtpSecuritySetting.Name]) && SmtpPortSetting.Read(config) == 465)
            return SmtpSecurity.Tls;
        return SmtpSecuritySetting.Read(config)!.Trim().ToLowerInvariant() switch
        {
            "starttls" => SmtpSecurity.StartTls,
            "tls" => SmtpSecurity.Tls,
            "none" => SmtpSecurity.None,
            var raw => throw new StartupException($"EMAIL_SMTP_SECURITY must be starttls, tls or none, not '{raw}'."),
        };
    }

    private static string ReadFromAddress(IConfiguration config)
    {
        var raw = FromSetting.Read(config)!;
        // Message-IDs take their domain from this address, so it must be a real mailbox with a domain.
        if (!MimeKit.MailboxAddress.TryParse(raw, out var address) || address.Domain is not { Length: > 0 })
            throw new StartupException($"EMAIL_FROM must be an address like 'SupportDesk <support@example.com>', not '{raw}'.");
        return raw;
    }

    private static string? ReadPublicUrl(IConfiguration config)
    {
        if (PublicUrlSetting.Read(config) is not { } raw)
            return null;
        if (!Uri.TryCreate(raw, UriKind.Absolute, out var uri) || (uri.Scheme != Uri.UriSchemeHttp && uri.Scheme != Uri.UriSchemeHttps))
            throw new StartupException($"PUBLIC_URL must be an absolute http(s) URL, not '{raw}'.");
        return raw.TrimEnd('/');
    }
}

/// <summary>
/// How the SMTP connection is protected (EMAIL_SMTP_SECURITY): STARTTLS required, TLS from the first byte, or plaintext,
/// which only an explicit <c>none</c> allows; credentials and mail never go out in plaintext otherwise.
/// </summary>
public enum SmtpSecurity
{
    StartTls,
    Tls,
    None,
}
