using System.Text;
using System.Text.Json;
using Dapper;
using Microsoft.Extensions.Options;
using Npgsql;

namespace SupportDesk.Infrastructure.Realtime;

/// <summary>
/// Who may receive an event; decided on the server with the REST rules.
/// TargetUserId set: only that user. Otherwise staff (agent/admin) always, and the ticket's requester only when !StaffOnly
/// (with the members of the requester's shared organization, as they may read the ticket); an agent restricted to
/// their groups only when the ticket's group is one of theirs or it is assigned to them.
/// </summary>
public sealed record EventAudience(Guid? TicketRequesterId, bool StaffOnly, Guid? TargetUserId = null, Guid? TicketGroupId = null, Guid? TicketAssigneeId = null);

/// <summary>An event for WebSocket clients. Data is serialized with the app's snake_case JSON options.</summary>
public sealed record RealtimeEvent(string Type, Guid? TicketId, EventAudience Audience, object Data);

/// <summary>The event types on the wire.</summary>
public static class RealtimeEventTypes
{
    public const string TicketCreated = "ticket.created";
    public const string TicketUpdated = "ticket.updated";
    public const string TicketStatusChanged = "ticket.status_changed";
    public const string TicketAssigned = "ticket.assigned";
    public const string CommentCreated = "comment.created";
    public const string AttachmentAdded = "attachment.added";
    public const string NotificationCreated = "notification.created";
    /// <summary>Staff only: a running SLA target is due within SLA_WARNING_MINUTES.</summary>
    public const string TicketSlaWarning = "ticket.sla_warning";
    /// <summary>Staff only: an SLA target passed its due time unfulfilled.</summary>
    public const string TicketSlaBreached = "ticket.sla_breached";
}

/// <summary>
/// Publishes events inside the caller's transaction: the row and the NOTIFY become visible exactly at commit
/// (to the listeners of every instance), and a rollback sends nothing.
/// </summary>
public sealed class RealtimeEvents(IOptions<Microsoft.AspNetCore.Http.Json.JsonOptions> json, TimeProvider clock)
{
    internal const string Channel = "supportdesk_events";
    internal const string UserAccessChannel = "supportdesk_user_access";

    // PostgreSQL refuses a NOTIFY payload of 8000 bytes or more; bigger events travel as their id.
    internal const int MaxNotifyPayloadBytes = 7999;

    internal const string Sql = $"""
        INSERT INTO realtime_events (id, type, ticket_id, requester_id, staff_only, target_user_id, organization_id, group_id, assignee_id, data, occurred_at)
        VALUES (@Id, @Type, @TicketId, @RequesterId, @StaffOnly, @TargetUserId, @OrganizationId, @GroupId, @AssigneeId, @Data::jsonb, @OccurredAt);
        SELECT pg_notify('{Channel}', @Message);
        """;

    private readonly JsonSerializerOptions _options = json.Value.SerializerOptions;

    public async Task PublishAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, RealtimeEvent evt, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(evt);
        ArgumentException.ThrowIfNullOrWhiteSpace(evt.Type);

        // Read in this transaction: the requester's organization as it is when the change commits.
        Guid? organization = null;
        if (evt.Audience is { TicketRequesterId: { } requester, StaffOnly: false, TargetUserId: null })
            organization = await connection.ExecuteScalarAsync<Guid?>(new CommandDefinition(
                Auth.TicketVisibility.SharedOrganizationOf, new { UserId = requester }, transaction, cancellationToken: ct));
        var routing = new RoutedEvent(Guid.CreateVersion7(), evt.Type, evt.TicketId, evt.Audience.TicketRequesterId,
            evt.Audience.StaffOnly, evt.Audience.TargetUserId, ToMicroseconds(clock.GetUtcNow()), organization,
            evt.Audience.TicketGroupId, evt.Audience.TicketAssigneeId);
        var data = evt.Data is null ? "null"u8.ToArray() : JsonSerializer.SerializeToUtf8Bytes(evt.Data, evt.Data.GetType(), _options);
        var envelope = RealtimeWire.WriteEnvelope(routing, data);

        await connection.ExecuteAsync(new CommandDefinition(Sql, new
        {
            routing.Id,
            routing.Type,
            routing.TicketId,
            routing.RequesterId,
            routing.StaffOnly,
            routing.TargetUserId,
            routing.OrganizationId,
            routing.GroupId,
            routing.AssigneeId,
            Data = Encoding.UTF8.GetString(data),
            routing.OccurredAt,
            Message = RealtimeWire.NotifyPayload(routing, envelope),
        }, transaction, cancellationToken: ct));
    }

    // timestamptz keeps microseconds: the envelope read back from the row must equal the one sent inline.
    private static DateTimeOffset ToMicroseconds(DateTimeOffset value) =>
        new(value.UtcTicks - value.UtcTicks % 10, TimeSpan.Zero);
}

/// <summary>
/// An event with what the server needs to route it; the envelope is what clients get. OrganizationId: the requester's
/// shared organization when the event was written, whose members hear it too.
/// </summary>
internal sealed record RoutedEvent(
    Guid Id, string Type, Guid? TicketId, Guid? RequesterId, bool StaffOnly, Guid? TargetUserId, DateTimeOffset OccurredAt,
    Guid? OrganizationId = null, Guid? GroupId = null, Guid? AssigneeId = null);
