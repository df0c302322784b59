namespace SupportDesk.Infrastructure.Auth;

/// <summary>
/// "Which tickets may this user see", the one definition for every place that asks: the ticket routes, the
/// WebSocket subscriptions. SQL condition on alias t, with parameters @UserId and @IsStaff: staff see every live
/// ticket, customers their own; a deleted ticket is seen by nobody.
/// </summary>
public static class TicketVisibility
{
    public const string VisibleTo = "t.deleted_at IS NULL AND (@IsStaff OR t.requester_id = @UserId)";
}
