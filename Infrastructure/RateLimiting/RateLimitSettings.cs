using SupportDesk.Infrastructure.Configuration;

namespace SupportDesk.Infrastructure.RateLimiting;

/// <summary>Requests per minute per user (per address when anonymous), and attempts per minute on the sign-in routes.</summary>
public sealed record RateLimitSettings(int PerMinute, int AuthPerMinute)
{
    internal static readonly IntSetting PerMinuteSetting = new("RATE_LIMIT_PER_MINUTE", 600, 1, 10_000_000);
    internal static readonly IntSetting AuthPerMinuteSetting = new("RATE_LIMIT_AUTH_PER_MINUTE", 10, 1, 10_000_000);

    public static RateLimitSettings Read(IConfiguration config) =>
        new(PerMinuteSetting.Read(config), AuthPerMinuteSetting.Read(config));
}
