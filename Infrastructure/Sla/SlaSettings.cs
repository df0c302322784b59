using SupportDesk.Infrastructure.Configuration;

namespace SupportDesk.Infrastructure.Sla;

/// <summary>When the breach job warns, and how often it looks for due targets.</summary>
public sealed class SlaSettings
{
    internal static readonly IntSetting WarningMinutesSetting = new("SLA_WARNING_MINUTES", 15, 0, 10_080);
    internal static readonly IntSetting JobIntervalSecondsSetting = new("SLA_JOB_INTERVAL_SECONDS", 30, 1, 3600);

    /// <summary>A target due within this many minutes gets one warning; 0: no warnings, only breaches.</summary>
    public int WarningMinutes { get; init; } = WarningMinutesSetting.Default;
    public int JobIntervalSeconds { get; init; } = JobIntervalSecondsSetting.Default;

    public static SlaSettings Read(IConfiguration config) => new()
    {
        WarningMinutes = WarningMinutesSetting.Read(config),
        JobIntervalSeconds = JobIntervalSecondsSetting.Read(config),
    };
}
