using SupportDesk.Infrastructure.OpenApi;

namespace SupportDesk.Features.Groups;

/// <summary>A group as every group route shows it, with its members' ids.</summary>
public sealed class GroupResponse
{
    /// <summary>The select list that fills this type (table alias g).</summary>
    public const string Columns = """
        g.id, g.name, g.description, g.assignment_mode, g.created_at, g.updated_at,
        ARRAY(SELECT gm.user_id FROM group_members gm WHERE gm.group_id = g.id ORDER BY gm.created_at, gm.user_id) AS member_ids
        """;

    public Guid Id { get; init; }
    public string Name { get; init; } = "";
    public string Description { get; init; } = "";
    /// <summary>How a new ticket of the group gets its assignee: manual, round_robin or least_open.</summary>
    [OpenApiEnum(typeof(AssignmentMode))] public string AssignmentMode { get; init; } = "manual";
    public Guid[] MemberIds { get; init; } = [];
    public DateTime CreatedAt { get; init; }
    public DateTime UpdatedAt { get; init; }
}
