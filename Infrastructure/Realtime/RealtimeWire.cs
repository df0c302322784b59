using System.Buffers;
using System.Net.WebSockets;
using System.Text;
using System.Text.Json;

namespace SupportDesk.Infrastructure.Realtime;

/// <summary>Close codes the server uses beyond the ones WebSocketCloseStatus names.</summary>
public static class RealtimeCloseStatus
{
    /// <summary>1013: the server is overloaded or this client fell behind; reconnect later.</summary>
    public const WebSocketCloseStatus TryAgainLater = (WebSocketCloseStatus)1013;
}

/// <summary>The NOTIFY payload and the client envelope.</summary>
internal static class RealtimeWire
{
    /// <summary>
    /// A header line "v3|id|ticket|requester|staff_only|target|organization|group|assignee", then a newline and the envelope when the whole
    /// fits into NOTIFY; otherwise the header alone, and listeners read the row.
    /// </summary>
    public static string NotifyPayload(RoutedEvent e, byte[] envelope)
    {
        var header = $"v3|{e.Id}|{e.TicketId}|{e.RequesterId}|{(e.StaffOnly ? 1 : 0)}|{e.TargetUserId}|{e.OrganizationId}|{e.GroupId}|{e.AssigneeId}";
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
        if (parts.Length != 9 || parts[0] != "v3" || !Guid.TryParse(parts[1], out id))
            return false;
        if (newline < 0)
            return true;
        routing = new RoutedEvent(id, "", OptionalGuid(parts[2]), OptionalGuid(parts[3]), parts[4] == "1", OptionalGuid(parts[5]), default,
            OptionalGuid(parts[6]), OptionalGuid(parts[7]), OptionalGuid(parts[8]));
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
