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
}
