using Dapper;
using Npgsql;
using SupportDesk.Infrastructure.Errors;

namespace SupportDesk.Features.Tickets;

/// <summary>A ticket can be filed only in a group that exists; shared by create and update.</summary>
public static class TicketGroup
{
    // FOR SHARE: a delete of the group in flight is waited for, then seen, so no ticket ends up in a deleted group.
    private const string Sql = "SELECT EXISTS (SELECT 1 FROM groups WHERE id = @Id FOR SHARE)";

    public static async Task EnsureExistsAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, Guid groupId, CancellationToken ct)
    {
        if (!await connection.ExecuteScalarAsync<bool>(new CommandDefinition(Sql, new { Id = groupId }, transaction, cancellationToken: ct)))
            throw new FieldValidationException("group_id", "No group has this id.");
    }
}
