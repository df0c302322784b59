using System.Net;
using SupportDesk.Infrastructure.Configuration;

namespace SupportDesk.Infrastructure.Metrics;

/// <summary>Who may scrape /metrics, and how long the gauges that cost a query are reused.</summary>
public sealed class MetricsSettings
{
    internal static readonly TextSetting AllowSetting = new("METRICS_ALLOW", "127.0.0.0/8,::1");
    internal static readonly TextSetting TokenSetting = new("METRICS_TOKEN");
    internal static readonly IntSetting CacheSecondsSetting = new("METRICS_CACHE_SECONDS", 5, 0, 3600);

    /// <summary>Client networks (after TRUSTED_PROXIES) that may scrape without a token; empty with <c>none</c>.</summary>
    public IReadOnlyList<IPNetwork> Allow { get; init; } = ReadAllow(AllowSetting.Default);
    /// <summary>A bearer token that lets any address scrape; null: none does.</summary>
    public string? Token { get; init; }
    public int CacheSeconds { get; init; } = CacheSecondsSetting.Default;

    public static MetricsSettings Read(IConfiguration config) => new()
    {
        Allow = ReadAllow(AllowSetting.Read(config)),
        Token = TokenSetting.Read(config),
        CacheSeconds = CacheSecondsSetting.Read(config),
    };

    private static IPNetwork[] ReadAllow(string? raw) =>
        raw?.Trim().Equals("none", StringComparison.OrdinalIgnoreCase) == true ? [] : AppSettings.ReadNetworks(AllowSetting.Name, raw);
}
