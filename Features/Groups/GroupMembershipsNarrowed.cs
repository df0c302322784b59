using Dapper;
using Npgsql;
using SupportDesk.Infrastructure.Auth;

namespace SupportDesk.Features.Groups;

/// <summary>Groups hold agents and admins only: someone made a customer leaves every group in the same commit.</summary>
public sealed class GroupMembershipsNarrowed : IUserAccessNarrowed
{
    private const string Sql = """
        DELETE FROM group_members gm USING users u
        WHERE gm.user_id = u.id AND u.id = @UserId AND u.role NOT IN ('agent', 'admin')
        """;

    public Task NarrowedAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, Guid userId, CurrentUser actor, CancellationToken ct) =>
        connection.ExecuteAsync(new CommandDefinition(Sql, new { UserId = userId }, transaction, cancellationToken: ct));
}
