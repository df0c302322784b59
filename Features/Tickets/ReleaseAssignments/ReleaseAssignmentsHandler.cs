using Dapper;
using Npgsql;
using SupportDesk.Infrastructure.Auth;

namespace SupportDesk.Features.Tickets.ReleaseAssignments;

/// <summary>
/// A user who may no longer work on tickets (made a customer, or deactivated) holds none: each of their live tickets
/// is unassigned with its history row and ticket.assigned event, as if an admin had cleared the assignee.
/// </summary>
public sealed class ReleaseAssignmentsHandler(TicketActivity activity) : IUserAccessNarrowed
{
    // Deleted tickets are seen by nobody and told to nobody; they keep their assignee as part of the record.
    // Locked in id order, so two releases (or a release and a ticket route) take the rows in one order.
    private const string LockSql = $"""
        SELECT {TicketResponse.Columns} FROM tickets t
        WHERE t.assignee_id = @UserId AND t.deleted_at IS NULL
        ORDER BY t.id
        FOR UPDATE
        """;

    private const string ReleaseSql = $"""
        UPDATE tickets AS t SET assignee_id = NULL, version = t.version + 1
        WHERE t.id = ANY(@Ids)
        RETURNING {TicketResponse.Columns}
        """;

    public async Task NarrowedAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, Guid userId, CurrentUser actor, CancellationToken ct)
    {
        var held = (await connection.QueryAsync<TicketResponse>(
            new CommandDefinition(LockSql, new { UserId = userId }, transaction, cancellationToken: ct))).ToList();
        if (held.Count == 0)
            return;
        var released = (await connection.QueryAsync<TicketResponse>(new CommandDefinition(ReleaseSql,
            new { Ids = held.Select(t => t.Id).ToArray() }, transaction, cancellationToken: ct))).ToDictionary(t => t.Id);
        foreach (var before in held)
        {
            await activity.UpdatedAsync(connection, transaction, before, released[before.Id],
                [new HistoryEntry("assigned", "assignee_id", userId.ToString(), null)], actor, ct);
        }
    }
}
