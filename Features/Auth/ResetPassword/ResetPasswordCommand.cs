using Dapper;
using Mediator;
using Npgsql;
using SupportDesk.Infrastructure.Auth;
using SupportDesk.Infrastructure.Errors;

namespace SupportDesk.Features.Auth.ResetPassword;

public sealed record ResetPasswordCommand(string Token, string NewPassword) : ICommand;

public sealed class ResetPasswordHandler(NpgsqlDataSource dataSource, PasswordHasher hasher, RefreshTokens refreshTokens, UserStateCache userStates)
    : ICommandHandler<ResetPasswordCommand>
{
    // The account's row is locked before its link is claimed, in the same order as forgot-password, change-password
    // and deactivation take them (user, then links), so they serialize instead of deadlocking.
    private const string LockUserSql = """
        SELECT u.id FROM users u
        WHERE u.is_active AND u.id = (SELECT p.user_id FROM password_reset_tokens p WHERE p.token_hash = @Hash)
        FOR NO KEY UPDATE OF u
        """;

    private const string ClaimSql = """
        UPDATE password_reset_tokens p SET used_at = now()
        WHERE p.token_hash = @Hash AND p.user_id = @UserId AND p.used_at IS NULL AND p.expires_at > now()
        RETURNING p.user_id
        """;

    private const string UpdateSql = "UPDATE users SET password_hash = @Hash, token_version = token_version + 1 WHERE id = @UserId";

    public async ValueTask<Unit> Handle(ResetPasswordCommand command, CancellationToken ct)
    {
        var newHash = await hasher.HashAsync(command.NewPassword, ct);
        await using var connection = await dataSource.OpenConnectionAsync(ct);
        await using var transaction = await connection.BeginTransactionAsync(ct);

        var hash = RefreshTokens.Hash(command.Token);
        var owner = await connection.QuerySingleOrDefaultAsync<Guid?>(
            new CommandDefinition(LockUserSql, new { Hash = hash }, transaction, cancellationToken: ct)) ?? throw Invalid();
        // Marking the token used in the same statement that finds it makes it one-time even under parallel use.
        var userId = await connection.QuerySingleOrDefaultAsync<Guid?>(
            new CommandDefinition(ClaimSql, new { Hash = hash, UserId = owner }, transaction, cancellationToken: ct)) ?? throw Invalid();

        await connection.ExecuteAsync(new CommandDefinition(UpdateSql, new { Hash = newHash, UserId = userId }, transaction, cancellationToken: ct));
        await refreshTokens.RevokeUserAsync(connection, transaction, userId, keepFamily: null, "password_reset", ct);
        await PasswordResetLinks.RetireAllAsync(connection, transaction, userId, ct);
        await transaction.CommitAsync(ct);
        // This instance refuses the old tokens from the next request on; the others hear the users trigger.
        userStates.Invalidate(userId);
        return Unit.Value;
    }

    private static FieldValidationException Invalid() => new("token", "The reset token is invalid, used or expired.");
}
