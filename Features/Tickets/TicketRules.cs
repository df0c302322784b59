using SupportDesk.Infrastructure.Auth;
using SupportDesk.Infrastructure.Errors;

namespace SupportDesk.Features.Tickets;

/// <summary>The status transition table (README documents it) and who may make which move.</summary>
public static class TicketRules
{
    private static readonly Dictionary<TicketStatus, TicketStatus[]> Transitions = new()
    {
        [TicketStatus.Open] = [TicketStatus.InProgress, TicketStatus.Pending, TicketStatus.Resolved, TicketStatus.Closed],
        [TicketStatus.InProgress] = [TicketStatus.Open, TicketStatus.Pending, TicketStatus.Resolved, TicketStatus.Closed],
        [TicketStatus.Pending] = [TicketStatus.Open, TicketStatus.InProgress, TicketStatus.Resolved, TicketStatus.Closed],
        [TicketStatus.Resolved] = [TicketStatus.Open, TicketStatus.InProgress, TicketStatus.Closed],
        [TicketStatus.Closed] = [TicketStatus.Open],
    };

    public static IReadOnlyDictionary<TicketStatus, TicketStatus[]> Table => Transitions;

    public static bool IsAllowed(TicketStatus from, TicketStatus to) => Transitions[from].Contains(to);

    /// <summary>Throws when the move is not in the table (422) or not this user's to make (403).</summary>
    public static void EnsureCanMove(TicketStatus from, TicketStatus to, CurrentUser user)
    {
        if (!IsAllowed(from, to))
            throw new UnprocessableException("status", $"A ticket cannot move from {from.ToDb()} to {to.ToDb()}.");

        // Customers may close their ticket or reopen it; every other move is the support team's.
        var customerMove = to == TicketStatus.Closed || (to == TicketStatus.Open && from is TicketStatus.Resolved or TicketStatus.Closed);
        if (!user.IsStaff && !customerMove)
            throw new ForbiddenException($"Customers may close or reopen a ticket, not move it to {to.ToDb()}.");
    }

    public static bool IsReopen(TicketStatus from, TicketStatus to) =>
        from is TicketStatus.Resolved or TicketStatus.Closed && to is TicketStatus.Open or TicketStatus.InProgress;

    /// <summary>resolved_at and closed_at after a move: set on arrival, cleared when the ticket is reopened.</summary>
    public static (DateTime? ResolvedAt, DateTime? ClosedAt) Timestamps(
        TicketStatus from, TicketStatus to, DateTime? resolvedAt, DateTime? closedAt, DateTime now)
    {
        if (IsReopen(from, to))
            return (null, null);
        return to switch
        {
            TicketStatus.Resolved => (now, null),
            TicketStatus.Closed => (resolvedAt, now),
            _ => (resolvedAt, closedAt),
        };
    }
}
