using Dapper;
using Npgsql;
using SupportDesk.Infrastructure.Auth;
using SupportDesk.Infrastructure.Database;
using SupportDesk.Infrastructure.Errors;

namespace SupportDesk.Features.Tickets;

/// <summary>"Which tickets may this user see", written once for every ticket slice.</summary>
public static class TicketAccess
{
    /// <summary>SQL condition on alias t with parameters @UserId, @IsStaff and @SeesAll (see <see cref="TicketVisibility"/>).</summary>
    public const string VisibleTo = TicketVisibility.VisibleTo;

    private const string MayCommentSql = $"SELECT EXISTS (SELECT 1 FROM tickets t WHERE t.id = @TicketId AND {TicketVisibility.CommentableBy})";

    internal const string LoadSql = $"SELECT {TicketResponse.Columns} FROM tickets t WHERE t.id = @TicketId AND {VisibleTo}";

    // VisibleTo with @SeesAll true, written out. With the flags as parameters, PostgreSQL's custom plan for staff folds
    // the subqueries away and always looks cheaper than the generic plan, so the prepared read was planned again on
    // every run (half of PostgreSQL's time on GET /tickets/{id} as an agent: bench/README.md, the read path).
    internal const string LoadAllSql = $"SELECT {TicketResponse.Columns} FROM tickets t WHERE t.id = @TicketId AND t.deleted_at IS NULL";

    /// <summary>The statement <see cref="LoadAsync"/> runs for this reach (also what the benchmark's baselines run).</summary>
    internal static string LoadSqlFor(bool seesAll, bool forUpdate) => (seesAll, forUpdate) switch
    {
        (true, false) => LoadAllSql,
        (true, true) => LoadAllSql + " FOR UPDATE",
        (false, false) => LoadSql,
        (false, true) => LoadSql + " FOR UPDATE",
    };

    /// <summary>
    /// The ticket if the user may see it, else NotFound — the same answer whether it does not exist or is
    /// someone else's, so its existence is never confirmed. With a transaction, the row is locked for update.
    /// </summary>
    public static async Task<TicketResponse> LoadAsync(
        NpgsqlConnection connection, NpgsqlTransaction? transaction, Guid ticketId, CurrentUser user, CancellationToken ct)
    {
        // Every ticket route reads through here: prepared, not parsed and planned each time.
        var sql = LoadSqlFor(user.SeesAllTickets, forUpdate: transaction is not null);
        IReadOnlyList<(string, object)> parameters = user.SeesAllTickets
            ? [("TicketId", ticketId)]
            : [("TicketId", ticketId), ("UserId", user.Id), ("IsStaff", user.IsStaff), ("SeesAll", false)];
        return await connection.QueryPreparedSingleOrDefaultAsync<TicketResponse>(sql, parameters, transaction, ct)
               ?? throw new NotFoundException("Ticket not found.");
    }

    /// <summary>
    /// The ticket if the user may comment on it (and upload files for a comment): as <see cref="LoadAsync"/>, then
    /// Forbidden for a colleague of the requester whose shared organization lets its members read but not reply.
    /// </summary>
    public static async Task<TicketResponse> LoadForCommentAsync(
        NpgsqlConnection connection, NpgsqlTransaction? transaction, Guid ticketId, CurrentUser user, CancellationToken ct)
    {
        var ticket = await LoadAsync(connection, transaction, ticketId, user, ct);
        if (user.IsStaff || ticket.RequesterId == user.Id)
            return ticket;
        var may = await connection.ExecuteScalarAsync<bool>(new CommandDefinition(MayCommentSql,
            new { TicketId = ticketId, UserId = user.Id, user.IsStaff }, transaction, cancellationToken: ct));
        return may ? ticket : throw new ForbiddenException("Your organization shares this ticket for reading only; its requester and the support team reply.");
    }

    /// <summary>Only the requester and staff change a ticket; a colleague who may read it through a shared organization may not.</summary>
    public static void EnsureMayChange(TicketResponse ticket, CurrentUser user)
    {
        if (!user.IsStaff && ticket.RequesterId != user.Id)
            throw new ForbiddenException("Only the ticket's requester and the support team may change it.");
    }
}
