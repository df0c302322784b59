using SupportDesk.Infrastructure.Auth;

namespace SupportDesk.Features.Notifications;

/// <summary>
/// A stored notification about a ticket carries its content (a title, a reply), so it is readable only while its user may
/// still see that ticket: after a demotion, once they leave the shared organization that showed it to them, or once the
/// ticket is deleted it is gone from every notification route, as the ticket is. SQL condition on alias n (notifications), with the user's current role read in the same statement.
/// </summary>
public static class NotificationVisibility
{
    public const string StillVisible = $"""
        (n.ticket_id IS NULL OR EXISTS (
            SELECT 1 FROM tickets t JOIN users u ON u.id = n.user_id
            WHERE t.id = n.ticket_id AND {TicketVisibility.VisibleToUserRow}))
        """;
}
