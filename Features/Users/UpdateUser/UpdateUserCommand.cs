using Dapper;
using Mediator;
using Npgsql;
using SupportDesk.Infrastructure.Auth;
using SupportDesk.Infrastructure.Errors;

namespace SupportDesk.Features.Users.UpdateUser;

public sealed record UpdateUserCommand(Guid UserId, UserRole? Role, bool? IsActive, string? FirstName, string? LastName)
    : ICommand<UserResponse>;

public sealed class UpdateUserHandler(NpgsqlDataSource dataSource) : ICommandHandler<UpdateUserCommand, UserResponse>
{
    private const string LockUserSql = "SELECT role, is_active FROM users WHERE id = @UserId FOR UPDATE";

    // Locks every active admin row, so two admins demoting each other at once cannot both succeed.
    private const string OtherActiveAdminsSql = """
        SELECT count(*) FROM (
            SELECT id FROM users WHERE role = 'admin' AND is_active AND id <> @UserId FOR UPDATE
        ) admins
        """;

    private const string UpdateSql = $"""
        UPDATE users SET
            role = COALESCE(@Role, role),
            is_active = COALESCE(@IsActive, is_active),
            first_name = COALESCE(@FirstName, first_name),
            last_name = COALESCE(@LastName, last_name),
            token_version = token_version + CASE
                WHEN (@Role IS NOT NULL AND @Role <> role) OR (@IsActive = false AND is_active) THEN 1 ELSE 0 END
        WHERE id = @UserId
        RETURNING {UserResponse.Columns}
        """;

    private sealed record LockedUser(string Role, bool IsActive);

    public async ValueTask<UserResponse> Handle(UpdateUserCommand command, CancellationToken ct)
    {
        await using var connection = await dataSource.OpenConnectionAsync(ct);
        await using var transaction = await connection.BeginTransactionAsync(ct);

        var current = await connection.QuerySingleOrDefaultAsync<LockedUser>(
            new CommandDefinition(LockUserSql, new { command.UserId }, transaction, cancellationToken: ct))
            ?? throw new NotFoundException("User not found.");

        var losesAdmin = current.Role == Roles.Admin && current.IsActive
            && ((command.Role is { } role && role != UserRole.Admin) || command.IsActive == false);
        if (losesAdmin)
        {
            var others = await connection.ExecuteScalarAsync<long>(
                new CommandDefinition(OtherActiveAdminsSql, new { command.UserId }, transaction, cancellationToken: ct));
            if (others == 0)
                throw new ConflictException("This is the last active admin; make another admin first.");
        }

        var updated = await connection.QuerySingleAsync<UserResponse>(new CommandDefinition(UpdateSql, new
        {
            command.UserId,
            Role = command.Role?.ToDb(),
            command.IsActive,
            FirstName = command.FirstName?.Trim(),
            LastName = command.LastName?.Trim(),
        }, transaction, cancellationToken: ct));

        await transaction.CommitAsync(ct);
        return updated;
    }
}
