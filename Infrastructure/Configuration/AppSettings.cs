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
    public required string JwtIssuer { get; init; }
    public required string JwtAudience { get; init; }
    public required int BcryptWorkFactor { get; init; }
    public required bool MigrateOnStartup { get; init; }
    public required string[] CorsOrigins { get; init; }
    public required string LogLevel { get; init; }
    public required EmailSettings Email { get; init; }
    public RealtimeSettings Realtime { get; init; } = new();
    public string? AdminEmail { get; init; }
    public string? AdminPassword { get; init; }

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
                From = NullIfEmpty(config["EMAIL_FROM"]) ?? "SupportDesk <support@localhost>",
            },
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
            },
            AdminEmail = NullIfEmpty(config["ADMIN_EMAIL"]),
            AdminPassword = NullIfEmpty(config["ADMIN_PASSWORD"]),
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

    private static string? NullIfEmpty(string? value) => string.IsNullOrWhiteSpace(value) ? null : value;
}

public sealed class EmailSettings
{
    public string? SmtpHost { get; init; }
    public int SmtpPort { get; init; }
    public string? Username { get; init; }
    public string? Password { get; init; }
    public required string From { get; init; }
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
}

/// <summary>A configuration problem that stops start-up with a one-line explanation.</summary>
public sealed class StartupException(string message) : Exception(message);
