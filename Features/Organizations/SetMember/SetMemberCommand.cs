using Dapper;
using Mediator;
using Npgsql;
using SupportDesk.Features.Users;
using SupportDesk.Infrastructure.Errors;

namespace SupportDesk.Features.Organizations.SetMember;

/// <summary>Puts a customer into the organization (OrganizationId set), or takes them out of it (null: only if they are in it).</summary>
public sealed record SetMemberCommand(Guid OrganizationId, Guid UserId, bool Member) : ICommand<UserResponse>;

public sealed class SetMemberHandler(NpgsqlDataSource dataSource) : ICommandHandler<SetMemberCommand, UserResponse>
{
    // The organization row is locked FOR KEY SHARE by the foreign key check; a concurrent delete waits or wins cleanly.
    private const string OrganizationExistsSql = "SELECT EXISTS (SELECT 1 FROM organizations WHERE id = @OrganizationId)";

    private const string UserSql = "SELECT role, organization_id FROM users WHERE id = @UserId FOR NO KEY UPDATE";

    // Moving a customer takes effect at once: every visibility check reads users.organization_id.
    private const string JoinSql = $"UPDATE users SET organization_id = @OrganizationId WHERE id = @UserId RETURNING {UserResponse.Columns}";
    private const string LeaveSql = $"UPDATE users SET organization_id = NULL WHERE id = @UserId RETURNING {UserResponse.Columns}";

    private sealed record MemberRow(string Role, Guid? OrganizationId);

    public async ValueTask<UserResponse> Handle(SetMemberCommand command, CancellationToken ct)
    {
        await using var connection = await dataSource.OpenConnectionAsync(ct);
        await using var transaction = await connection.BeginTransactionAsync(ct);
        if (!await connection.ExecuteScalarAsync<bool>(new CommandDefinition(OrganizationExistsSql, command, transaction, cancellationToken: ct)))
            throw new NotFoundException("Organization not found.");
        var user = await connection.QuerySingleOrDefaultAsync<MemberRow>(new CommandDefinition(UserSql, command, transaction, cancellationToken: ct))
                   ?? throw new NotFoundException("User not found.");

        UserResponse result;
        if (command.Member)
        {
            // Staff see every ticket already; an organization is a customer's.
            if (user.Role != Infrastructure.Auth.Roles.Customer)
                throw new UnprocessableException("user_id", "Only customers belong to organizations.");
            result = await connection.QuerySingleAsync<UserResponse>(new CommandDefinition(JoinSql, command, transaction, cancellationToken: ct));
        }
        else
        {
            if (user.OrganizationId != command.OrganizationId)
                throw new NotFoundException("The user is not a member of this organization.");
            result = await connection.QuerySingleAsync<UserResponse>(new CommandDefinition(LeaveSql, command, transaction, cancellationToken: ct));
        }
        await transaction.CommitAsync(ct);
        return result;
    }
}
