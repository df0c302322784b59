using SupportDesk.Infrastructure.OpenApi;

namespace SupportDesk.Features.RoutingRules;

/// <summary>A routing rule: conditions (all must hold; empty ones always do) and actions.</summary>
public sealed class RoutingRuleResponse
{
    public const string Columns = """
        r.id, r.name, r.position, r.is_active, r.category, r.tags_any, r.priorities, r.inbound_address,
        r.set_group_id, r.set_priority, r.add_tags, r.created_at, r.updated_at
        """;

    public Guid Id { get; init; }
    public string Name { get; init; } = "";
    public int Position { get; init; }
    public bool IsActive { get; init; }
    public string? Category { get; init; }
    public string[] TagsAny { get; init; } = [];
    public string[] Priorities { get; init; } = [];
    public string? InboundAddress { get; init; }
    public Guid? SetGroupId { get; init; }
    [OpenApiEnum("low", "medium", "high", "urgent")] public string? SetPriority { get; init; }
    public string[] AddTags { get; init; } = [];
    public DateTime CreatedAt { get; init; }
    public DateTime UpdatedAt { get; init; }
}
