using Npgsql;
using SupportDesk.Features.Sla.CreateSlaPolicy;
using SupportDesk.Features.Tickets;
using SupportDesk.Infrastructure.Database;
using SupportDesk.Infrastructure.Errors;
using SupportDesk.Infrastructure.Sla;

namespace SupportDesk.Features.Sla;

/// <summary>Limits and the stored form of policies; shared by create and replace.</summary>
public static class SlaPolicyRules
{
    public const int MaxName = 200;
    public const int MaxPosition = 100_000;
    public const int MaxConditionValues = 50;
    public const int MaxConditionValueLength = 100;
    /// <summary>A year: a target beyond it is a typo, not a service level.</summary>
    public const int MaxTargetMinutes = 366 * 24 * 60;

    public static string[]? Lower(string[]? values) => values?.Select(v => v.Trim().ToLowerInvariant()).Distinct().ToArray();

    /// <summary>The parameters of the insert and update (conditions normalised, targets as jsonb text).</summary>
    public static object Parameters(Guid id, CreateSlaPolicyRequest p) => new
    {
        Id = id,
        Name = p.Name.Trim(),
        p.Position,
        Priorities = p.Conditions?.Priorities?.Select(x => x.ToDb()).Distinct().ToArray(),
        Categories = Lower(p.Conditions?.Categories),
        Tags = Lower(p.Conditions?.Tags),
        p.ScheduleId,
        Targets = SlaJson.Write(p.Targets!
            .OrderBy(t => t.Priority)
            .Select(t => new SlaPriorityTargetsSpec(t.Priority!.Value.ToDb(), t.FirstReplyTime, t.NextReplyTime, t.ResolutionTime))
            .ToArray()),
    };

    /// <summary>The database's refusals as problems naming the field: a taken name, a schedule that does not exist.</summary>
    public static AppException? Refusal(PostgresException e) => e switch
    {
        { SqlState: PostgresErrors.UniqueViolation, ConstraintName: "ux_sla_policies_name" } =>
            new FieldConflictException("name", "Another SLA policy already has this name."),
        { SqlState: PostgresErrors.ForeignKeyViolation } => new FieldValidationException("schedule_id", "No schedule has this id."),
        _ => null,
    };
}
