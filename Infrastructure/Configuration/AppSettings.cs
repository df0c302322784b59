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
    public string? AdminEmail { get; init; }
    public string? AdminPassword { get; init; }
    /// <summary>PostgreSQL text search configuration (pg_ts_config name) for stored vectors and queries alike.</summary>
    public string SearchLanguage { get; init; } = "english";
    /// <summary>Anonymous callers may read published knowledge base articles.</summary>
    public bool KbPublic { get; init; }

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
            AdminEmail = NullIfEmpty(config["ADMIN_EMAIL"]),
            AdminPassword = NullIfEmpty(config["ADMIN_PASSWORD"]),
            SearchLanguage = ReadSearchLanguage(config["SEARCH_LANGUAGE"]),
            KbPublic = ReadBool(config, "KB_PUBLIC", false),
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

    // Only the shape is checked here; start-up checks the name against pg_ts_config once the database answers.
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
}

/// <summary>A configuration problem that stops start-up with a one-line explanation.</summary>
public sealed class StartupException(string message) : Exception(message);
