namespace SupportDesk.Infrastructure.Auth;

/// <summary>
/// "Which tickets may this user see", the one definition for every place that asks: the ticket routes, the
/// WebSocket subscriptions. SQL condition on alias t, with parameters @UserId and @IsStaff: staff see every live
/// ticket, customers their own; a deleted ticket is seen by nobody.
/// </summary>
public static class TicketVisibility
{
    public const string VisibleTo = "t.deleted_at IS NULL AND (@IsStaff OR t.requester_id = @UserId)";

    /// <summary>
    /// The same rule for a user row u (aliases t and u), for statements that tell someone about a ticket: the
    /// recipient's role and active flag are read in the statement that writes the notification or email, so a user
    /// demoted or deactivated a moment earlier is not told.
    /// </summary>
    public const string VisibleToUserRow =
        "t.deleted_at IS NULL AND u.is_active AND (u.role IN ('agent', 'admin') OR t.requester_id = u.id)";

    /// <summary>
    /// A follower (someone Cc'd on the ticket's mail, user row u, ticket t): told about the ticket's public updates by
    /// mail, nothing else (they see it in the app only if the rule above lets them).
    /// </summary>
    public const string FollowerUserRow =
        "t.deleted_at IS NULL AND u.is_active AND EXISTS (SELECT 1 FROM ticket_followers f WHERE f.ticket_id = t.id AND f.user_id = u.id)";
}
