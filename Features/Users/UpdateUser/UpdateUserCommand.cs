using Dapper;
using Mediator;
using Npgsql;
using SupportDesk.Infrastructure.Auth;
using SupportDesk.Infrastructure.Errors;

namespace SupportDesk.Features.Users.UpdateUser;

public sealed record UpdateUserCommand(CurrentUser Actor, Guid UserId, UserRole? Role, bool? IsActive, string? FirstName, string? LastName,
    bool? RestrictedToGroups = null, Infrastructure.Json.Optional<int?> MaxOpenTickets = default)
    : ICommand<UserResponse>;

public sealed class UpdateUserHandler(NpgsqlDataSource dataSource, RefreshTokens refreshTokens, IEnumerable<IUserAccessNarrowed> narrowed,
    UserStateCache userStates)
    : ICommandHandler<UpdateUserCommand, UserResponse>
{
    // NO KEY UPDATE, not UPDATE: foreign-key checks on this user (a notification or email to them, written by a ticket
    // change that holds a ticket row this transaction may release) do not wait for it, so the two cannot deadlock.
    private const string LockUserSql = "SELECT role, is_active FROM users WHERE id = @UserId FOR NO KEY UPDATE";

    // Locks every active admin row, so two admins demoting each other at once cannot both succeed.
    private const string OtherActiveAdminsSql = """
        SELECT count(*) FROM (
            SELECT id FROM users WHERE role = 'admin' AND is_active AND id <> @UserId FOR NO KEY UPDATE
        ) admins
        """;

    private const string UpdateSql = $"""
        UPDATE users SET
            role = COALESCE(@Role, role),
            is_active = COALESCE(@IsActive, is_active),
            first_name = COALESCE(@FirstName, first_name),
            last_name = COALESCE(@LastName, last_name),
            -- Organizations are for customers: one made staff leaves theirs (staff see every ticket anyway).
            organization_id = CASE WHEN @Role IS NOT NULL AND @Role <> 'customer' THEN NULL ELSE organization_id END,
            restricted_to_groups = COALESCE(@RestrictedToGroups, restricted_to_groups),
            max_open_tickets = CASE WHEN @SetCapacity THEN @MaxOpenTickets ELSE max_open_tickets END,
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
            command.RestrictedToGroups,
            SetCapacity = command.MaxOpenTickets.IsSet,
            MaxOpenTickets = command.MaxOpenTickets.Value,
        }, transaction, cancellationToken: ct));

        // What the user may no longer do ends with this commit: a deactivated account keeps no session (its refresh
        // tokens would work again on reactivation) and no reset link; someone who may no longer see others' tickets holds none.
        var deactivated = current.IsActive && command.IsActive == false;
        if (deactivated)
        {
            await refreshTokens.RevokeUserAsync(connection, transaction, command.UserId, keepFamily: null, "deactivated", ct);
            await PasswordResetLinks.RetireAllAsync(connection, transaction, command.UserId, ct);
        }
        var leftStaff = Roles.Parse(current.Role).IsStaff() && command.Role is { } newRole && !newRole.IsStaff();
        if (deactivated || leftStaff)
        {
            foreach (var listener in narrowed)
                await listener.NarrowedAsync(connection, transaction, command.UserId, command.Actor, ct);
        }

        await transaction.CommitAsync(ct);
        // This instance applies the change from the next request on; the others hear the users trigger.
        userStates.Invalidate(command.UserId);
        return updated;
    }
}
