using System.Text.Json;
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
        t.first_response_at, t.resolved_at, t.closed_at, t.custom_fields::text AS stored_custom_fields,
        t.sla_policy_id, t.sla_first_reply_due_at, t.sla_next_reply_due_at, t.sla_resolution_due_at, t.sla_paused,
        CASE WHEN t.sla_breached THEN (SELECT array_agg(st.target ORDER BY st.target) FROM ticket_sla_targets st
         WHERE st.ticket_id = t.id AND st.fulfilled_at IS NULL AND st.breached_at IS NOT NULL) END AS sla_breached
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

    /// <summary>
    /// Custom field values by field key, as this caller may see them (customers: customer_visible fields only);
    /// see GET /ticket-fields for what each key means.
    /// </summary>
    public IReadOnlyDictionary<string, JsonElement> CustomFields { get; private set; } = CustomFieldValues.None;

    /// <summary>Every stored value, as the row holds it (deleted and staff-only fields included): never sent as is.</summary>
    [JsonIgnore] public string StoredCustomFields { get; init; } = "{}";
    /// <summary>The SLA clock: null when no policy applies to the ticket.</summary>
    public TicketSla? Sla => SlaPolicyId is { } policy
        ? new TicketSla(policy, SlaFirstReplyDueAt, SlaNextReplyDueAt, SlaResolutionDueAt, SlaPaused, SlaBreached ?? [])
        : null;

    [JsonIgnore] public Guid? SlaPolicyId { get; set; }
    [JsonIgnore] public DateTime? SlaFirstReplyDueAt { get; set; }
    [JsonIgnore] public DateTime? SlaNextReplyDueAt { get; set; }
    [JsonIgnore] public DateTime? SlaResolutionDueAt { get; set; }
    [JsonIgnore] public bool SlaPaused { get; set; }
    [JsonIgnore] public string[]? SlaBreached { get; set; }

    /// <summary>The clock's state after a change (the row read before the clock ran still shows the old one).</summary>
    internal void SetSla(Infrastructure.Sla.SlaSummary sla) =>
        (SlaPolicyId, SlaFirstReplyDueAt, SlaNextReplyDueAt, SlaResolutionDueAt, SlaPaused, SlaBreached) =
        (sla.PolicyId, sla.FirstReplyDueAt, sla.NextReplyDueAt, sla.ResolutionDueAt, sla.Paused, sla.Breached);

    [JsonIgnore]
    public string ETag => $"\"{Version}\"";

    /// <summary>This ticket as one audience sees it: a copy whose custom_fields hold what that audience may see.</summary>
    public TicketResponse ViewedBy(IReadOnlyList<TicketFieldResponse> fields, bool isStaff)
    {
        var copy = (TicketResponse)MemberwiseClone();
        copy.CustomFields = CustomFieldValues.View(StoredCustomFields, fields, isStaff);
        return copy;
    }
}

/// <summary>
/// A ticket's SLA state: the policy that applies, the due time of each running target (null when the policy has no
/// such target, it is fulfilled, or the clock is paused), and the targets past due and not yet fulfilled
/// (first_reply, next_reply, resolution).
/// </summary>
public sealed record TicketSla(
    Guid PolicyId, DateTime? FirstReplyDueAt, DateTime? NextReplyDueAt, DateTime? ResolutionDueAt, bool Paused,
    string[] Breached);
