using Dapper;
using Npgsql;
using SupportDesk.Infrastructure.Auth;

namespace SupportDesk.Features.Tickets;

/// <summary>
/// Picks who gets a new ticket of a group whose mode is round_robin or least_open (or an unassigned, unsolved ticket moved
/// into one by an update), and assigns it in that write's transaction: only active agents and admins of the group who are online and below their capacity are candidates.
/// The group's cursor row is locked first, so creates into one group pick one after another (on any instance); the
/// chosen agent's row is locked and their open tickets counted again, so creates into two groups sharing an agent
/// cannot both take that agent's last free slot.
/// </summary>
public static class GroupAssignment
{
    /// <summary>The statuses that count against an agent's capacity.</summary>
    public const string OpenStatuses = "('open', 'in_progress', 'pending')";

    private const string ModeSql = "SELECT assignment_mode FROM groups WHERE id = @GroupId";

    private const string EnsureCursorSql = "INSERT INTO group_assignment_cursors (group_id) VALUES (@GroupId) ON CONFLICT (group_id) DO NOTHING";
    private const string LockCursorSql = "SELECT last_assignee_id FROM group_assignment_cursors WHERE group_id = @GroupId FOR UPDATE";

    // Candidates in turn order: by id, starting after the last one assigned and wrapping around (so a member added or
    // away shifts nobody's turn); least_open sorts by open tickets first, the turn breaking ties. Away and inactive
    // members are left out; full ones are skipped by the caller.
    private const string CandidatesSql = $"""
        SELECT c.id, c.open_tickets, c.max_open_tickets
        FROM (
            SELECT u.id, u.max_open_tickets,
                   (SELECT count(*) FROM tickets t WHERE t.assignee_id = u.id AND t.deleted_at IS NULL AND t.status IN {OpenStatuses}) AS open_tickets
            FROM group_members gm JOIN users u ON u.id = gm.user_id
            WHERE gm.group_id = @GroupId AND u.is_active AND u.role IN ('agent', 'admin') AND u.availability = 'online'
        ) c
        ORDER BY CASE WHEN @LeastOpen THEN c.open_tickets ELSE 0 END,
                 CASE WHEN @Last::uuid IS NULL OR c.id > @Last::uuid THEN 0 ELSE 1 END,
                 c.id
        """;

    // FOR NO KEY UPDATE, as the users routes take it: a parallel pick of the same agent waits here. The count runs as a
    // statement of its own after the lock, so its snapshot includes what the transaction that held the lock committed.
    private const string LockAgentSql = """
        SELECT true FROM users u WHERE u.id = @Id AND u.is_active AND u.availability = 'online' FOR NO KEY UPDATE
        """;

    private const string OpenTicketsSql = $"""
        SELECT count(*) FROM tickets t WHERE t.assignee_id = @Id AND t.deleted_at IS NULL AND t.status IN {OpenStatuses}
        """;

    private const string MoveCursorSql = """
        UPDATE group_assignment_cursors SET last_assignee_id = @Id, assigned_count = assigned_count + 1 WHERE group_id = @GroupId
        """;

    private const string AssignSql = $"""
        UPDATE tickets AS t SET assignee_id = @AssigneeId, version = t.version + 1
        WHERE t.id = @Id
        RETURNING {TicketResponse.Columns}
        """;

    private sealed record Candidate(Guid Id, long OpenTickets, int? MaxOpenTickets);

    /// <summary>The ticket assigned by its group's mode, or the ticket as it was (manual mode, nobody free, already assigned).</summary>
    public static async Task<TicketResponse> AssignNewAsync(NpgsqlConnection connection, NpgsqlTransaction transaction,
        TicketResponse ticket, TicketActivity activity, CurrentUser actor, CancellationToken ct)
    {
        if (ticket.GroupId is not { } groupId || ticket.AssigneeId is not null)
            return ticket;
        var mode = await connection.ExecuteScalarAsync<string?>(new CommandDefinition(ModeSql, new { GroupId = groupId }, transaction, cancellationToken: ct));
        if (mode is not ("round_robin" or "least_open"))
            return ticket;

        await connection.ExecuteAsync(new CommandDefinition(EnsureCursorSql, new { GroupId = groupId }, transaction, cancellationToken: ct));
        var last = await connection.ExecuteScalarAsync<Guid?>(new CommandDefinition(LockCursorSql, new { GroupId = groupId }, transaction, cancellationToken: ct));
        var candidates = await connection.QueryAsync<Candidate>(new CommandDefinition(CandidatesSql,
            new { GroupId = groupId, Last = last, LeastOpen = mode == "least_open" }, transaction, cancellationToken: ct));
        foreach (var candidate in candidates)
        {
            if (candidate.MaxOpenTickets is { } max && candidate.OpenTickets >= max)
                continue;
            if (!await connection.ExecuteScalarAsync<bool>(new CommandDefinition(LockAgentSql, new { candidate.Id }, transaction, cancellationToken: ct)))
                continue;
            if (candidate.MaxOpenTickets is { } limit
                && await connection.ExecuteScalarAsync<long>(new CommandDefinition(OpenTicketsSql, new { candidate.Id }, transaction, cancellationToken: ct)) >= limit)
                continue;
            await connection.ExecuteAsync(new CommandDefinition(MoveCursorSql, new { candidate.Id, GroupId = groupId }, transaction, cancellationToken: ct));
            var assigned = await connection.QuerySingleAsync<TicketResponse>(new CommandDefinition(AssignSql,
                new { ticket.Id, AssigneeId = candidate.Id }, transaction, cancellationToken: ct));
            await activity.UpdatedAsync(connection, transaction, ticket, assigned,
                [new HistoryEntry("assigned", "assignee_id", null, candidate.Id.ToString())], actor, ct);
            return assigned;
        }
        return ticket;
    }
}
