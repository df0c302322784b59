using Dapper;
using Mediator;
using Npgsql;
using SupportDesk.Features.Users;
using SupportDesk.Infrastructure.Auth;
using SupportDesk.Infrastructure.Errors;

namespace SupportDesk.Features.Auth.ChangePassword;

public sealed record ChangePasswordCommand(Guid UserId, string CurrentPassword, string NewPassword) : ICommand<AuthResponse>;

public sealed class ChangePasswordHandler(NpgsqlDataSource dataSource, PasswordHasher hasher, RefreshTokens refreshTokens, AuthSessions sessions,
    UserStateCache userStates)
    : ICommandHandler<ChangePasswordCommand, AuthResponse>
{
    private const string CurrentHashSql = "SELECT password_hash FROM users WHERE id = @UserId AND is_active";

    // Bumping token_version retires every access token issued before, this session's included.
    private const string UpdateSql = $"""
        UPDATE users SET password_hash = @Hash, token_version = token_version + 1
        WHERE id = @UserId
        RETURNING {UserResponse.Columns}, token_version
        """;

    private sealed class Updated
    {
        public int TokenVersion { get; init; }
    }

    public async ValueTask<AuthResponse> Handle(ChangePasswordCommand command, CancellationToken ct)
    {
        await using var connection = await dataSource.OpenConnectionAsync(ct);
        var currentHash = await connection.QuerySingleOrDefaultAsync<string>(new CommandDefinition(CurrentHashSql, command, cancellationToken: ct));
        if (!await hasher.VerifyAsync(command.CurrentPassword, currentHash, ct))
            throw new FieldValidationException("current_password", "The current password is not correct.");

        var newHash = await hasher.HashAsync(command.NewPassword, ct);
        await using var transaction = await connection.BeginTransactionAsync(ct);
        var rows = await connection.QueryAsync<UserResponse, Updated, (UserResponse User, Updated State)>(
            new CommandDefinition(UpdateSql, new { command.UserId, Hash = newHash }, transaction, cancellationToken: ct),
            (user, state) => (user, state), splitOn: "token_version");
        var (user, state) = rows.Single();
        await refreshTokens.RevokeUserAsync(connection, transaction, command.UserId, keepFamily: null, "password_changed", ct);
        await PasswordResetLinks.RetireAllAsync(connection, transaction, command.UserId, ct);
        var session = await sessions.IssueAsync(connection, transaction, user, state.TokenVersion, familyId: null, ct);
        await transaction.CommitAsync(ct);
        // This instance refuses the old tokens from the next request on; the others hear the users trigger.
        userStates.Invalidate(command.UserId);
        return session;
    }
}
