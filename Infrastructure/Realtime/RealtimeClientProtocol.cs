using System.Net.WebSockets;
using System.Text.Json;
using Npgsql;

namespace SupportDesk.Infrastructure.Realtime;

/// <summary>
/// What clients say on a socket and what the server answers: ping, subscribe and unsubscribe, and which events a
/// socket receives. A subscription is granted only for a ticket the user may see, with the REST rules.
/// </summary>
internal static class RealtimeClientProtocol
{
    public const int MaxSubscriptions = 500;

    public static readonly byte[] TextOnly = Error("invalid_message", "Send JSON text messages.");
    private static readonly byte[] RateLimited = Error("rate_limited", "Too many messages; slow down.");

    /// <summary>
    /// Takes the message from the socket's and the user's budgets, before it is even parsed. Over them the client hears
    /// rate_limited; a socket that sends more over-budget messages in a row than its burst is closed (1008).
    /// </summary>
    public static bool Admit(RealtimeConnection connection)
    {
        if (connection.Hub.TryTakeMessage(connection))
        {
            connection.RejectedInARow = 0;
            return true;
        }
        if (++connection.RejectedInARow <= connection.Hub.FloodTolerance)
        {
            connection.Send(RateLimited);
            return false;
        }
        connection.Logger.LogWarning("Closing WebSocket {SocketId} of user {UserId}: it keeps sending over its message budget", connection.Id, connection.User.Id);
        connection.Close(WebSocketCloseStatus.PolicyViolation, "Too many messages");
        return false;
    }

    /// <summary>
    /// The REST rules, per event: a customer only hears about tickets they may see (their own, and those of their shared
    /// organization's members, as the socket's organization stands now) and never staff-only events; an agent restricted
    /// to their groups about their own, their groups' and those assigned to them (the ticket as the event left it).
    /// </summary>
    public static bool Wants(RealtimeConnection connection, RoutedEvent e)
    {
        var user = connection.User;
        if (e.TargetUserId is { } target)
            return target == user.Id;
        if (!user.IsStaff && (e.StaffOnly || (e.RequesterId != user.Id && !SameSharedOrganization(connection, e))))
            return false;
        if (user.IsStaff && connection.Groups is { } groups
            && e.RequesterId != user.Id && e.AssigneeId != user.Id && !(e.GroupId is { } group && groups.Contains(group)))
            return false;
        var subscriptions = connection.Subscriptions;
        return subscriptions.IsEmpty || (e.TicketId is { } ticketId && subscriptions.Contains(ticketId));
    }

    private static bool SameSharedOrganization(RealtimeConnection connection, RoutedEvent e) =>
        e.OrganizationId is { } organization && connection.SharedOrganization is { } mine && mine.Id == organization;

    public static async Task HandleAsync(RealtimeConnection connection, ReadOnlyMemory<byte> text)
    {
        if (!TryParseRequest(text.Span, out var action, out var ticketId, out var error))
        {
            connection.Send(error!);
            return;
        }

        switch (action)
        {
            case "ping":
                connection.Send(RealtimeWire.Message("pong"));
                break;
            case "subscribe":
                var subscriptions = connection.Subscriptions;
                if (subscriptions.Contains(ticketId))
                {
                    connection.Send(RealtimeWire.Message("subscribed", ticketId: ticketId));
                }
                else if (subscriptions.Count >= MaxSubscriptions)
                {
                    connection.Send(Error("too_many_subscriptions", $"A connection can follow at most {MaxSubscriptions} tickets.", ticketId));
                }
                else if (!connection.Hub.MayCheckTicket(connection.User.Id))
                {
                    // Each unknown ticket costs a database check and no subscription slot: those have a budget of their own.
                    connection.Send(Error("rate_limited", "Too many subscribes to tickets that were not found; try again in a minute.", ticketId));
                }
                else if (await MaySeeTicketAsync(connection, ticketId) is not { } allowed)
                {
                    connection.Send(Error("unavailable", "Could not check the ticket right now; try again shortly.", ticketId));
                }
                else if (!allowed)
                {
                    // Same answer for "does not exist" and "not yours": existence is not confirmed.
                    connection.Hub.CountFailedSubscribe(connection.User.Id);
                    connection.Send(Error("not_found", "Ticket not found.", ticketId));
                }
                else
                {
                    connection.Subscriptions = connection.Subscriptions.Add(ticketId);
                    connection.Send(RealtimeWire.Message("subscribed", ticketId: ticketId));
                }
                break;
            case "unsubscribe":
                if (!connection.Subscriptions.Contains(ticketId))
                {
                    connection.Send(Error("not_subscribed", "This connection does not follow that ticket.", ticketId));
                    break;
                }
                connection.Subscriptions = connection.Subscriptions.Remove(ticketId);
                connection.Send(RealtimeWire.Message("unsubscribed", ticketId: ticketId));
                break;
        }
    }

    private static async Task<bool?> MaySeeTicketAsync(RealtimeConnection connection, Guid ticketId)
    {
        try
        {
            return await connection.Hub.MaySeeTicketAsync(ticketId, connection, CancellationToken.None);
        }
        catch (NpgsqlException e)
        {
            connection.Logger.LogWarning(e, "Could not check ticket access for a WebSocket subscription");
            return null;
        }
    }

    /// <summary>{"action":"ping"} or {"action":"subscribe"|"unsubscribe","ticket_id":"uuid"}; anything else is an error message.</summary>
    public static bool TryParseRequest(ReadOnlySpan<byte> text, out string action, out Guid ticketId, out byte[]? error)
    {
        action = "";
        ticketId = default;
        error = null;
        string? rawAction = null;
        string? rawTicket = null;
        var hasTicket = false;
        try
        {
            using var document = JsonDocument.Parse(text.ToArray(), new JsonDocumentOptions { MaxDepth = 4 });
            if (document.RootElement.ValueKind != JsonValueKind.Object)
            {
                error = Error("invalid_message", "Send a JSON object such as {\"action\":\"ping\"}.");
                return false;
            }
            foreach (var property in document.RootElement.EnumerateObject())
            {
                switch (property.Name)
                {
                    case "action" when property.Value.ValueKind == JsonValueKind.String:
                        rawAction = property.Value.GetString();
                        break;
                    case "ticket_id":
                        hasTicket = true;
                        rawTicket = property.Value.ValueKind == JsonValueKind.String ? property.Value.GetString() : null;
                        break;
                    default:
                        error = Error("invalid_message", $"Unknown field or wrong type: '{Shorten(property.Name)}'.");
                        return false;
                }
            }
        }
        catch (JsonException)
        {
            error = Error("invalid_message", "The message is not valid JSON.");
            return false;
        }

        switch (rawAction)
        {
            case null:
                error = Error("invalid_message", "The message needs an \"action\": ping, subscribe or unsubscribe.");
                return false;
            case "ping" when !hasTicket:
                action = rawAction;
                return true;
            case "subscribe" or "unsubscribe":
                if (!Guid.TryParseExact(rawTicket, "D", out ticketId))
                {
                    error = Error("invalid_ticket_id", "\"ticket_id\" must be a ticket id (uuid).");
                    return false;
                }
                action = rawAction;
                return true;
            case "ping":
                error = Error("invalid_message", "ping takes no ticket_id.");
                return false;
            default:
                error = Error("unknown_action", $"Unknown action '{Shorten(rawAction)}': use ping, subscribe or unsubscribe.");
                return false;
        }
    }

    private static string Shorten(string value) => value.Length <= 40 ? value : value[..40] + "…";

    private static byte[] Error(string code, string message, Guid? ticketId = null) =>
        RealtimeWire.Message("error", code, message, ticketId);
}
