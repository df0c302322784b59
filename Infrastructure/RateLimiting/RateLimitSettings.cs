using SupportDesk.Infrastructure.Configuration;

namespace SupportDesk.Infrastructure.RateLimiting;

/// <summary>
/// Requests per minute per user (per address when anonymous), attempts per minute on the sign-in routes, and the
/// per-account budgets of <see cref="AccountBudgets"/>.
/// </summary>
public sealed record RateLimitSettings(int PerMinute, int AuthPerMinute, int SignInFailuresPerHour, int ResetEmailsPerHour, int KnownClientDays)
{
    internal static readonly IntSetting PerMinuteSetting = new("RATE_LIMIT_PER_MINUTE", 600, 1, 10_000_000);
    internal static readonly IntSetting AuthPerMinuteSetting = new("RATE_LIMIT_AUTH_PER_MINUTE", 10, 1, 10_000_000);
    internal static readonly IntSetting SignInFailuresPerHourSetting = new("RATE_LIMIT_SIGN_IN_FAILURES_PER_HOUR", 10, 1, 10_000_000);
    internal static readonly IntSetting ResetEmailsPerHourSetting = new("RATE_LIMIT_RESET_EMAILS_PER_HOUR", 3, 1, 10_000_000);
    internal static readonly IntSetting KnownClientDaysSetting = new("RATE_LIMIT_KNOWN_CLIENT_DAYS", 90, 1, 3650);

    public static RateLimitSettings Read(IConfiguration config) =>
        new(PerMinuteSetting.Read(config), AuthPerMinuteSetting.Read(config), SignInFailuresPerHourSetting.Read(config),
            ResetEmailsPerHourSetting.Read(config), KnownClientDaysSetting.Read(config));
}
