using System.Security.Cryptography;
using System.Text;
using SupportDesk.Infrastructure.Configuration;

namespace SupportDesk.Infrastructure.Auth;

/// <summary>Tokens, sessions, password hashing and the start-up admin.</summary>
public sealed class AuthSettings
{
    public const int MinimumJwtSecretBytes = 32;

    internal static readonly TextSetting JwtSecretSetting = new("JWT_SECRET");
    internal static readonly IntSetting JwtExpirationSetting = new("JWT_EXPIRATION", 86400, 60, 31 * 86400);
    internal static readonly TextSetting JwtIssuerSetting = new("JWT_ISSUER", "supportdesk");
    internal static readonly TextSetting JwtAudienceSetting = new("JWT_AUDIENCE", "supportdesk-api");
    internal static readonly IntSetting RefreshTokenDaysSetting = new("REFRESH_TOKEN_DAYS", 30, 1, 365);
    internal static readonly IntSetting PasswordResetMinutesSetting = new("PASSWORD_RESET_MINUTES", 30, 5, 24 * 60);
    internal static readonly IntSetting BcryptWorkFactorSetting = new("BCRYPT_WORK_FACTOR", 12, 4, 20);
    internal static readonly TextSetting AdminEmailSetting = new("ADMIN_EMAIL");
    internal static readonly TextSetting AdminPasswordSetting = new("ADMIN_PASSWORD");

    public required byte[] JwtSecret { get; init; }
    /// <summary>No JWT_SECRET in Development (or a CLI command): a throw-away secret, so tokens die with the process.</summary>
    public bool JwtSecretGenerated { get; init; }
    public int JwtExpirationSeconds { get; init; } = JwtExpirationSetting.Default;
    public string JwtIssuer { get; init; } = JwtIssuerSetting.Default!;
    public string JwtAudience { get; init; } = JwtAudienceSetting.Default!;
    public int RefreshTokenDays { get; init; } = RefreshTokenDaysSetting.Default;
    public int PasswordResetMinutes { get; init; } = PasswordResetMinutesSetting.Default;
    public int BcryptWorkFactor { get; init; } = BcryptWorkFactorSetting.Default;
    public string? AdminEmail { get; init; }
    public string? AdminPassword { get; init; }

    public static AuthSettings Read(IConfiguration config, bool mayGenerateSecret)
    {
        var (secret, generated) = ReadJwtSecret(JwtSecretSetting.Read(config), mayGenerateSecret);
        return new AuthSettings
        {
            JwtSecret = secret,
            JwtSecretGenerated = generated,
            JwtExpirationSeconds = JwtExpirationSetting.Read(config),
            JwtIssuer = JwtIssuerSetting.Read(config)!,
            JwtAudience = JwtAudienceSetting.Read(config)!,
            RefreshTokenDays = RefreshTokenDaysSetting.Read(config),
            PasswordResetMinutes = PasswordResetMinutesSetting.Read(config),
            BcryptWorkFactor = BcryptWorkFactorSetting.Read(config),
            AdminEmail = AdminEmailSetting.Read(config),
            AdminPassword = AdminPasswordSetting.Read(config),
        };
    }

    private static (byte[] Secret, bool Generated) ReadJwtSecret(string? value, bool mayGenerate)
    {
        if (value is not null)
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

        return (RandomNumberGenerator.GetBytes(64), true);
    }
}
