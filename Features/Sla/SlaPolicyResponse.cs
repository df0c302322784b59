using SupportDesk.Features.Tickets;
using SupportDesk.Infrastructure.OpenApi;
using SupportDesk.Infrastructure.Sla;

namespace SupportDesk.Features.Sla;

/// <summary>Which tickets a policy is for; a null list matches every ticket, several lists must all match.</summary>
public sealed record SlaPolicyConditions(TicketPriority[]? Priorities = null, string[]? Categories = null, string[]? Tags = null);

/// <summary>The targets for tickets of one priority; each is optional.</summary>
public sealed record SlaPolicyTargets(
    TicketPriority? Priority = null, SlaTargetSpec? FirstReplyTime = null, SlaTargetSpec? NextReplyTime = null, SlaTargetSpec? ResolutionTime = null);

public sealed class SlaPolicyConditionsResponse
{
    /// <summary>Priorities as stored: low, medium, high, urgent.</summary>
    public string[]? Priorities { get; init; }
    public string[]? Categories { get; init; }
    /// <summary>The ticket has at least one of these tags.</summary>
    public string[]? Tags { get; init; }
}

/// <summary>An SLA policy as every policy route shows it.</summary>
public sealed class SlaPolicyResponse
{
    public Guid Id { get; init; }
    public string Name { get; init; } = "";
    /// <summary>Lower positions are tried first.</summary>
    public int Position { get; init; }
    public SlaPolicyConditionsResponse Conditions { get; init; } = new();
    /// <summary>The schedule whose business hours targets with business_hours=true count in.</summary>
    public Guid? ScheduleId { get; init; }
    public IReadOnlyList<SlaPriorityTargetsSpec> Targets { get; init; } = [];
    public int Version { get; init; }
    public DateTime CreatedAt { get; init; }
    public DateTime UpdatedAt { get; init; }
}

/// <summary>The stored row; properties, not a constructor, so Dapper maps null arrays (their reader type is only System.Array).</summary>
public sealed class SlaPolicyRow
{
    public const string Columns =
        "p.id, p.name, p.position, p.priorities, p.categories, p.tags, p.schedule_id, p.targets::text AS targets, p.version, p.created_at, p.updated_at";

    public Guid Id { get; init; }
    public string Name { get; init; } = "";
    public int Position { get; init; }
    public string[]? Priorities { get; init; }
    public string[]? Categories { get; init; }
    public string[]? Tags { get; init; }
    public Guid? ScheduleId { get; init; }
    public string Targets { get; init; } = "[]";
    public int Version { get; init; }
    public DateTime CreatedAt { get; init; }
    public DateTime UpdatedAt { get; init; }

    public SlaPolicyResponse ToResponse() => new()
    {
        Id = Id, Name = Name, Position = Position, ScheduleId = ScheduleId, Version = Version, CreatedAt = CreatedAt, UpdatedAt = UpdatedAt,
        Conditions = new SlaPolicyConditionsResponse { Priorities = Priorities, Categories = Categories, Tags = Tags },
        Targets = SlaJson.Read<SlaPriorityTargetsSpec[]>(Targets) ?? [],
    };
}
