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

    /// <summary>
    /// The ticket if the user may see it, else NotFound — the same answer whether it does not exist or is
    /// someone else's, so its existence is never confirmed. With a transaction, the row is locked for update.
    /// </summary>
    public static async Task<TicketResponse> LoadAsync(
        NpgsqlConnection connection, NpgsqlTransaction? transaction, Guid ticketId, CurrentUser user, CancellationToken ct)
    {
        var sql = transaction is null ? LoadSql : LoadSql + " FOR UPDATE";
        // Every ticket route reads through here: prepared, not parsed and planned each time.
        return await connection.QueryPreparedSingleOrDefaultAsync<TicketResponse>(sql,
                   [("TicketId", ticketId), ("UserId", user.Id), ("IsStaff", user.IsStaff), ("SeesAll", user.SeesAllTickets)], transaction, ct)
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
