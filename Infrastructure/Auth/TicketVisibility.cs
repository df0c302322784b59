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
}
