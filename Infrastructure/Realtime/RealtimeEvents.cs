using System.Buffers;
using System.Text;
using System.Text.Json;
using Dapper;
using Microsoft.Extensions.Options;
using Npgsql;

namespace SupportDesk.Infrastructure.Realtime;

/// <summary>
/// Who may receive an event; decided on the server with the REST rules.
/// TargetUserId set: only that user. Otherwise staff (agent/admin) always, and the ticket's requester only when !StaffOnly.
/// </summary>
public sealed record EventAudience(Guid? TicketRequesterId, bool StaffOnly, Guid? TargetUserId = null);

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
    public const string NotificationCreated = "notification.created";
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
        INSERT INTO realtime_events (id, type, ticket_id, requester_id, staff_only, target_user_id, data, occurred_at)
        VALUES (@Id, @Type, @TicketId, @RequesterId, @StaffOnly, @TargetUserId, @Data::jsonb, @OccurredAt);
        SELECT pg_notify('{Channel}', @Message);
        """;

    private readonly JsonSerializerOptions _options = json.Value.SerializerOptions;

    public async Task PublishAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, RealtimeEvent evt, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(evt);
        ArgumentException.ThrowIfNullOrWhiteSpace(evt.Type);

        var routing = new RoutedEvent(Guid.CreateVersion7(), evt.Type, evt.TicketId, evt.Audience.TicketRequesterId,
            evt.Audience.StaffOnly, evt.Audience.TargetUserId, ToMicroseconds(clock.GetUtcNow()));
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
            Data = Encoding.UTF8.GetString(data),
            routing.OccurredAt,
            Message = RealtimeWire.NotifyPayload(routing, envelope),
        }, transaction, cancellationToken: ct));
    }

    // timestamptz keeps microseconds: the envelope read back from the row must equal the one sent inline.
    private static DateTimeOffset ToMicroseconds(DateTimeOffset value) =>
        new(value.UtcTicks - value.UtcTicks % 10, TimeSpan.Zero);
}

/// <summary>An event with what the server needs to route it; the envelope is what clients get.</summary>
internal sealed record RoutedEvent(
    Guid Id, string Type, Guid? TicketId, Guid? RequesterId, bool StaffOnly, Guid? TargetUserId, DateTimeOffset OccurredAt);

/// <summary>The NOTIFY payload and the client envelope.</summary>
internal static class RealtimeWire
{
    /// <summary>
    /// A header line "v1|id|ticket|requester|staff_only|target", then a newline and the envelope when the whole
    /// fits into NOTIFY; otherwise the header alone, and listeners read the row.
    /// </summary>
    public static string NotifyPayload(RoutedEvent e, byte[] envelope)
    {
        var header = $"v1|{e.Id}|{e.TicketId}|{e.RequesterId}|{(e.StaffOnly ? 1 : 0)}|{e.TargetUserId}";
        return header.Length + 1 + envelope.Length <= RealtimeEvents.MaxNotifyPayloadBytes
            ? header + "\n" + Encoding.UTF8.GetString(envelope)
            : header;
    }

    /// <summary>Reads a NOTIFY payload: the routing, and the envelope when it came inline.</summary>
    public static bool TryParse(string payload, out Guid id, out RoutedEvent? routing, out byte[]? envelope)
    {
        id = default;
        routing = null;
        envelope = null;
        var newline = payload.IndexOf('\n');
        var header = newline < 0 ? payload : payload[..newline];
        var parts = header.Split('|');
        if (parts.Length != 6 || parts[0] != "v1" || !Guid.TryParse(parts[1], out id))
            return false;
        if (newline < 0)
            return true;
        routing = new RoutedEvent(id, "", OptionalGuid(parts[2]), OptionalGuid(parts[3]), parts[4] == "1", OptionalGuid(parts[5]), default);
        envelope = Encoding.UTF8.GetBytes(payload.AsSpan(newline + 1).ToString());
        return true;
    }

    private static Guid? OptionalGuid(string value) => value.Length == 0 ? null : Guid.Parse(value);

    public static byte[] WriteEnvelope(RoutedEvent e, ReadOnlySpan<byte> data)
    {
        var buffer = new ArrayBufferWriter<byte>(data.Length + 192);
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartObject();
            writer.WriteString("type", e.Type);
            writer.WriteString("id", e.Id);
            writer.WriteString("occurred_at", e.OccurredAt);
            if (e.TicketId is { } ticketId)
                writer.WriteString("ticket_id", ticketId);
            else
                writer.WriteNull("ticket_id");
            writer.WritePropertyName("data");
            writer.WriteRawValue(data, skipInputValidation: true);
            writer.WriteEndObject();
        }
        return buffer.WrittenSpan.ToArray();
    }

    /// <summary>A server message of its own (pong, error, subscribed) as UTF-8 JSON.</summary>
    public static byte[] Message(string type, string? code = null, string? message = null, Guid? ticketId = null)
    {
        var buffer = new ArrayBufferWriter<byte>(128);
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartObject();
            writer.WriteString("type", type);
            if (code is not null)
                writer.WriteString("code", code);
            if (message is not null)
                writer.WriteString("message", message);
            if (ticketId is { } id)
                writer.WriteString("ticket_id", id);
            writer.WriteEndObject();
        }
        return buffer.WrittenSpan.ToArray();
    }
}
