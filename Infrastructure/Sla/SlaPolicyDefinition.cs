namespace SupportDesk.Infrastructure.Sla;

/// <summary>The three targets an SLA policy can set.</summary>
public static class SlaTargets
{
    public const string FirstReply = "first_reply";
    public const string NextReply = "next_reply";
    public const string Resolution = "resolution";
    public static readonly string[] All = [FirstReply, NextReply, Resolution];
}

/// <summary>One target: minutes, counted in calendar time or in the policy schedule's business hours.</summary>
public sealed record SlaTargetSpec(int Minutes = 0, bool BusinessHours = false);

/// <summary>The targets for one priority (stored in the policy's targets jsonb, priority as its snake_case text).</summary>
public sealed record SlaPriorityTargetsSpec(string Priority, SlaTargetSpec? FirstReplyTime, SlaTargetSpec? NextReplyTime, SlaTargetSpec? ResolutionTime)
{
    public SlaTargetSpec? For(string target) => target switch
    {
        SlaTargets.FirstReply => FirstReplyTime,
        SlaTargets.NextReply => NextReplyTime,
        SlaTargets.Resolution => ResolutionTime,
        _ => null,
    };
}
