using System.Security.Cryptography;
using System.Text;

namespace SupportDesk.Infrastructure.Configuration;

/// <summary>
/// The service's configuration, read from the environment variables of the spec's table
/// (configuration keys are the variable names themselves, so appsettings.json and tests use the same names).
/// </summary>
public sealed class AppSettings
{
    public const int MinimumJwtSecretBytes = 32;

    public required int Port { get; init; }
    public required string ConnectionString { get; init; }
    public required byte[] JwtSecret { get; init; }
    public required bool JwtSecretGenerated { get; init; }
    public required int JwtExpirationSeconds { get; init; }
    public required int RefreshTokenDays { get; init; }
    public required int PasswordResetMinutes { get; init; }
    public required string JwtIssuer { get; init; }
    public required string JwtAudience { get; init; }
    public required int BcryptWorkFactor { get; init; }
    public required bool MigrateOnStartup { get; init; }
    public required string[] CorsOrigins { get; init; }
    public required string LogLevel { get; init; }
    public required EmailSettings Email { get; init; }
    public required bool ApiDocs { get; init; }
    public required RateLimiting.RateLimitSettings RateLimits { get; init; }
    public RealtimeSettings Realtime { get; init; } = new();
    public string? AdminEmail { get; init; }
    public string? AdminPassword { get; init; }
    /// <summary>PostgreSQL text search configuration (pg_ts_config name) for stored vectors and queries alike.</summary>
    public string SearchLanguage { get; init; } = "english";
    /// <summary>Anonymous callers may read published knowledge base articles.</summary>
    public bool KbPublic { get; init; }
    /// <summary>
    /// Proxies (addresses or CIDR ranges) whose X-Forwarded-For / X-Forwarded-Proto are believed. Empty: the
    /// headers are ignored and the client is the TCP peer, so nobody can pick their own address for the rate limits.
    /// </summary>
    public IReadOnlyList<System.Net.IPNetwork> TrustedProxies { get; init; } = [];

    public static AppSettings Load(IConfiguration config, IHostEnvironment environment, bool forCommandLine = false)
    {
        var databaseUrl = config["DATABASE_URL"];
        if (string.IsNullOrWhiteSpace(databaseUrl))
            throw new StartupException("DATABASE_URL is not set: give a postgres://user:pass@host:port/db URL or an Npgsql connection string (scripts/run sets one up for you).");

        var (secret, generated) = LoadJwtSecret(config["JWT_SECRET"], environment.IsDevelopment() || forCommandLine);

        return new AppSettings
        {
            Port = ReadInt(config, "PORT", 3000, 1, 65535),
            ConnectionString = DatabaseUrl.ToConnectionString(databaseUrl),
            JwtSecret = secret,
            JwtSecretGenerated = generated,
            JwtExpirationSeconds = ReadInt(config, "JWT_EXPIRATION", 86400, 60, 31 * 86400),
            RefreshTokenDays = ReadInt(config, "REFRESH_TOKEN_DAYS", 30, 1, 365),
            PasswordResetMinutes = ReadInt(config, "PASSWORD_RESET_MINUTES", 30, 5, 24 * 60),
            JwtIssuer = config["JWT_ISSUER"] is { Length: > 0 } issuer ? issuer : "supportdesk",
            JwtAudience = config["JWT_AUDIENCE"] is { Length: > 0 } audience ? audience : "supportdesk-api",
            BcryptWorkFactor = ReadInt(config, "BCRYPT_WORK_FACTOR", 12, 4, 20),
            MigrateOnStartup = ReadBool(config, "MIGRATE_ON_STARTUP", true),
            CorsOrigins = (config["CORS_ORIGIN"] is { Length: > 0 } cors ? cors : "*")
                .Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries),
            LogLevel = config["LOG_LEVEL"] is { Length: > 0 } level ? level : "info",
            Email = new EmailSettings
            {
                SmtpHost = NullIfEmpty(config["EMAIL_SMTP_HOST"]),
                SmtpPort = ReadInt(config, "EMAIL_SMTP_PORT", 587, 1, 65535),
                Username = NullIfEmpty(config["EMAIL_USERNAME"]),
                Password = NullIfEmpty(config["EMAIL_PASSWORD"]),
                From = ReadFromAddress(config),
                MaxAttempts = ReadInt(config, "EMAIL_MAX_ATTEMPTS", 8, 1, 100),
                PollIntervalMs = ReadInt(config, "EMAIL_POLL_INTERVAL_MS", 2000, 10, 3_600_000),
                BackoffBaseMs = ReadInt(config, "EMAIL_BACKOFF_BASE_MS", 30_000, 10, 86_400_000),
                BackoffMaxMs = ReadInt(config, "EMAIL_BACKOFF_MAX_MS", 3_600_000, 10, 7 * 86_400_000),
                BatchSize = ReadInt(config, "EMAIL_BATCH_SIZE", 20, 1, 500),
                LeaseSeconds = ReadInt(config, "EMAIL_LEASE_SECONDS", 300, 10, 86_400),
                RetentionDays = ReadInt(config, "EMAIL_RETENTION_DAYS", 30, 0, 36_500),
                PublicUrl = ReadPublicUrl(config),
            },
            // Docs are on everywhere but Production, where they are opt-in.
            ApiDocs = ReadBool(config, "API_DOCS", !environment.IsProduction()),
            RateLimits = new RateLimiting.RateLimitSettings(
                PerMinute: ReadInt(config, "RATE_LIMIT_PER_MINUTE", 600, 1, 10_000_000),
                AuthPerMinute: ReadInt(config, "RATE_LIMIT_AUTH_PER_MINUTE", 10, 1, 10_000_000)),
            Realtime = new RealtimeSettings
            {
                MaxConnections = ReadInt(config, "REALTIME_MAX_CONNECTIONS", 20_000, 1, 1_000_000),
                MaxConnectionsPerUser = ReadInt(config, "REALTIME_MAX_CONNECTIONS_PER_USER", 20, 1, 1_000_000),
                MaxMessageBytes = ReadInt(config, "REALTIME_MAX_MESSAGE_BYTES", 64 * 1024, 256, 16 * 1024 * 1024),
                SendQueueCapacity = ReadInt(config, "REALTIME_SEND_QUEUE_CAPACITY", 256, 1, 100_000),
                KeepAliveSeconds = ReadInt(config, "REALTIME_KEEPALIVE_SECONDS", 30, 1, 3600),
                KeepAliveTimeoutSeconds = ReadInt(config, "REALTIME_KEEPALIVE_TIMEOUT_SECONDS", 30, 1, 3600),
                UserCheckSeconds = ReadInt(config, "REALTIME_USER_CHECK_SECONDS", 30, 1, 3600),
                EventRetentionSeconds = ReadInt(config, "REALTIME_EVENT_RETENTION_SECONDS", 86400, 60, 365 * 86400),
                InlineSends = ReadBool(config, "REALTIME_INLINE_SENDS", false),
            },
            AdminEmail = NullIfEmpty(config["ADMIN_EMAIL"]),
            AdminPassword = NullIfEmpty(config["ADMIN_PASSWORD"]),
            SearchLanguage = ReadSearchLanguage(config["SEARCH_LANGUAGE"]),
            KbPublic = ReadBool(config, "KB_PUBLIC", false),
            TrustedProxies = ReadTrustedProxies(config["TRUSTED_PROXIES"]),
        };
    }

    private static (byte[] Secret, bool Generated) LoadJwtSecret(string? value, bool mayGenerate)
    {
        if (!string.IsNullOrEmpty(value))
        {
            var bytes = Encoding.UTF8.GetBytes(value);
            if (bytes.Length >= MinimumJwtSecretBytes)
                return (bytes, false);
            if (!mayGenerate)
                throw new StartupException($"JWT_SECRET is {bytes.Length} bytes long; it must be at least {MinimumJwtSecretBytes} bytes (try: openssl rand -base64 48).");
        }
        else if (!mayGenerate)
        {
            throw new StartupException($"JWT_SECRET is not set; outside Development it must be a secret of at least {MinimumJwtSecretBytes} bytes (try: openssl rand -base64 48).");
        }

        // Development (or a CLI command that issues no tokens): a throw-away secret, so tokens die with the process.
        return (RandomNumberGenerator.GetBytes(64), true);
    }

    private static int ReadInt(IConfiguration config, string key, int fallback, int min, int max)
    {
        var raw = config[key];
        if (string.IsNullOrWhiteSpace(raw))
            return fallback;
        if (!int.TryParse(raw, out var value) || value < min || value > max)
            throw new StartupException($"{key} must be a whole number from {min} to {max}, not '{raw}'.");
        return value;
    }

    private static bool ReadBool(IConfiguration config, string key, bool fallback)
    {
        var raw = config[key];
        if (string.IsNullOrWhiteSpace(raw))
            return fallback;
        return raw.Trim().ToLowerInvariant() switch
        {
            "true" or "1" or "yes" or "on" => true,
            "false" or "0" or "no" or "off" => false,
            _ => throw new StartupException($"{key} must be true or false, not '{raw}'."),
        };
    }

    private static string ReadFromAddress(IConfiguration config)
    {
        var raw = NullIfEmpty(config["EMAIL_FROM"]) ?? "SupportDesk <support@localhost>";
        // Message-IDs take their domain from this address, so it must be a real mailbox with a domain.
        if (!MimeKit.MailboxAddress.TryParse(raw, out var address) || address.Domain is not { Length: > 0 })
            throw new StartupException($"EMAIL_FROM must be an address like 'SupportDesk <support@example.com>', not '{raw}'.");
        return raw;
    }

    private static string? ReadPublicUrl(IConfiguration config)
    {
        var raw = NullIfEmpty(config["PUBLIC_URL"]);
        if (raw is null)
            return null;
        if (!Uri.TryCreate(raw, UriKind.Absolute, out var uri) || (uri.Scheme != Uri.UriSchemeHttp && uri.Scheme != Uri.UriSchemeHttps))
            throw new StartupException($"PUBLIC_URL must be an absolute http(s) URL, not '{raw}'.");
        return raw.TrimEnd('/');
    }

    // Only the shape is checked here; start-up checks the name against pg_ts_config once the database answers.
    private static System.Net.IPNetwork[] ReadTrustedProxies(string? raw) =>
        (raw ?? "").Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Select(entry => System.Net.IPNetwork.TryParse(entry, out var network) ? network
                : System.Net.IPAddress.TryParse(entry, out var address) ? new System.Net.IPNetwork(address, address.GetAddressBytes().Length * 8)
                : throw new StartupException($"TRUSTED_PROXIES: '{entry}' is not an IP address or CIDR range (e.g. 10.0.0.5, 10.0.0.0/8)."))
            .ToArray();

    private static string ReadSearchLanguage(string? raw)
    {
        if (string.IsNullOrWhiteSpace(raw))
            return "english";
        var value = raw.Trim().ToLowerInvariant();
        if (value.Length > 63 || !value.All(c => c is (>= 'a' and <= 'z') or (>= '0' and <= '9') or '_') || char.IsDigit(value[0]))
            throw new StartupException($"SEARCH_LANGUAGE must be the name of a PostgreSQL text search configuration (e.g. english, simple, german), not '{raw}'.");
        return value;
    }

    private static string? NullIfEmpty(string? value) => string.IsNullOrWhiteSpace(value) ? null : value;
}

public sealed class EmailSettings
{
    public string? SmtpHost { get; init; }
    public int SmtpPort { get; init; }
    public string? Username { get; init; }
    public string? Password { get; init; }
    public required string From { get; init; }
    /// <summary>Delivery attempts before a row is marked failed.</summary>
    public int MaxAttempts { get; init; } = 8;
    public int PollIntervalMs { get; init; } = 2000;
    /// <summary>Delay after the first failed attempt; doubled per attempt up to BackoffMaxMs.</summary>
    public int BackoffBaseMs { get; init; } = 30_000;
    public int BackoffMaxMs { get; init; } = 3_600_000;
    public int BatchSize { get; init; } = 20;
    /// <summary>How long a claimed row belongs to one sender; after that another instance may claim it again.</summary>
    public int LeaseSeconds { get; init; } = 300;
    /// <summary>Days a sent email stays in the outbox before it is deleted; 0 keeps them.</summary>
    public int RetentionDays { get; init; } = 30;
    /// <summary>Base URL of the web front end (no trailing slash), used for ticket links in emails; null: no links.</summary>
    public string? PublicUrl { get; init; }
}

public sealed class RealtimeSettings
{
    /// <summary>Open WebSockets per instance; beyond it the upgrade is refused with 503.</summary>
    public int MaxConnections { get; init; } = 20_000;
    /// <summary>Open WebSockets per user per instance; beyond it the upgrade is refused with 429.</summary>
    public int MaxConnectionsPerUser { get; init; } = 20;
    /// <summary>Largest client message; a bigger one closes the socket with 1009.</summary>
    public int MaxMessageBytes { get; init; } = 64 * 1024;
    /// <summary>Messages waiting for one slow client; overflowing closes that client only.</summary>
    public int SendQueueCapacity { get; init; } = 256;
    public int KeepAliveSeconds { get; init; } = 30;
    public int KeepAliveTimeoutSeconds { get; init; } = 30;
    /// <summary>How often connected users are re-checked (active, token version) in one query.</summary>
    public int UserCheckSeconds { get; init; } = 30;
    /// <summary>How long realtime_events rows are kept (they only carry events through NOTIFY).</summary>
    public int EventRetentionSeconds { get; init; } = 86400;
    /// <summary>
    /// For instances that mostly serve WebSockets: Kestrel sends on the writing thread (inline scheduling) and a
    /// broadcast runs on every core. No message waits in a transport buffer (30 MB less at 10,000 sockets during a
    /// broadcast), but p99 is higher and REST calls lose 10-30 % of their throughput.
    /// </summary>
    public bool InlineSends { get; init; }
}

/// <summary>A configuration problem that stops start-up with a one-line explanation.</summary>
public sealed class StartupException(string message) : Exception(message);
