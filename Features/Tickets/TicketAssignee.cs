using Dapper;
using Npgsql;
using SupportDesk.Infrastructure.Errors;

namespace SupportDesk.Features.Tickets;

/// <summary>Only active agents and admins can hold a ticket; shared by update and assign.</summary>
public static class TicketAssignee
{
    // FOR SHARE waits for a demotion or deactivation in flight and then reads its outcome: otherwise a ticket could be
    // handed to someone in the moment their assignments are being released.
    private const string Sql = "SELECT role FROM users WHERE id = @Id AND is_active AND role IN ('agent', 'admin') FOR SHARE";

    public static async Task EnsureAssignableAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, Guid assigneeId, CancellationToken ct)
    {
        var role = await connection.QuerySingleOrDefaultAsync<string>(new CommandDefinition(Sql, new { Id = assigneeId }, transaction, cancellationToken: ct));
        if (role is null)
            throw new FieldValidationException("assignee_id", "No active agent or admin has this id.");
    }
}
