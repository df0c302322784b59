using System.Text.Json.Serialization;
using SupportDesk.Infrastructure.OpenApi;

namespace SupportDesk.Features.Tickets;

/// <summary>A ticket as every ticket route shows it. Status and priority are the snake_case strings stored.</summary>
public sealed class TicketResponse
{
    /// <summary>The select list that fills this type (table alias t); shared by the ticket slices.</summary>
    public const string Columns = """
        t.id, t.number, t.title, t.description, t.status, t.priority, t.category, t.tags,
        t.requester_id, t.assignee_id, t.group_id, t.created_by, t.version, t.created_at, t.updated_at,
        t.first_response_at, t.resolved_at, t.closed_at
        """;

    public Guid Id { get; init; }
    public long Number { get; init; }
    public string Title { get; init; } = "";
    public string Description { get; init; } = "";
    [OpenApiEnum(typeof(TicketStatus))] public string Status { get; init; } = "";
    [OpenApiEnum(typeof(TicketPriority))] public string Priority { get; init; } = "";
    public string? Category { get; init; }
    public string[] Tags { get; init; } = [];
    public Guid RequesterId { get; init; }
    public Guid? AssigneeId { get; init; }
    /// <summary>The group (team) the ticket belongs to, if any.</summary>
    public Guid? GroupId { get; init; }
    public Guid CreatedBy { get; init; }
    /// <summary>Row version; the ETag is this number in quotes.</summary>
    public int Version { get; init; }
    public DateTime CreatedAt { get; init; }
    public DateTime UpdatedAt { get; init; }
    public DateTime? FirstResponseAt { get; init; }
    public DateTime? ResolvedAt { get; init; }
    public DateTime? ClosedAt { get; init; }

    [JsonIgnore]
    public string ETag => $"\"{Version}\"";
}
