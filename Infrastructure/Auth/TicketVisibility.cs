namespace SupportDesk.Infrastructure.Auth;

/// <summary>
/// "Which tickets may this user see", the one definition for every place that asks: the ticket routes, search, the
/// WebSocket subscriptions, attachments, notifications and email. SQL condition on alias t, with parameters @UserId,
/// @IsStaff and @SeesAll (<see cref="CurrentUser.SeesAllTickets"/>): staff see every live ticket, unless an admin
/// restricted them to their groups; then, like customers, they see their own, and besides those the tickets of
/// their groups and the ones assigned to them. A deleted ticket is seen by nobody. Group memberships are read by the
/// statement itself, so a change applies to the next one.
/// </summary>
public static class TicketVisibility
{
    /// <summary>What a restricted agent works on besides their own tickets (alias t, parameter @UserId).</summary>
    public const string OfRestrictedAgent =
        "(t.assignee_id = @UserId OR t.group_id IN (SELECT gm.group_id FROM group_members gm WHERE gm.user_id = @UserId))";

    public const string VisibleTo =
        $"t.deleted_at IS NULL AND (@SeesAll OR t.requester_id = @UserId OR (@IsStaff AND {OfRestrictedAgent}))";

    /// <summary>
    /// The same rule for a user row u (aliases t and u), for statements that tell someone about a ticket: the
    /// recipient's role, restriction and active flag are read in the statement that writes the notification or email,
    /// so a user demoted, restricted or deactivated a moment earlier is not told.
    /// </summary>
    public const string VisibleToUserRow = """
        t.deleted_at IS NULL AND u.is_active AND (t.requester_id = u.id OR (u.role IN ('agent', 'admin') AND (
            NOT u.restricted_to_groups OR t.assignee_id = u.id
            OR EXISTS (SELECT 1 FROM group_members gm WHERE gm.user_id = u.id AND gm.group_id = t.group_id))))
        """;
}
