using Dapper;
using Mediator;
using Npgsql;
using SupportDesk.Infrastructure.Auth;
using SupportDesk.Infrastructure.Errors;

namespace SupportDesk.Features.Auth.ResetPassword;

public sealed record ResetPasswordCommand(string Token, string NewPassword) : ICommand;

public sealed class ResetPasswordHandler(NpgsqlDataSource dataSource, PasswordHasher hasher, RefreshTokens refreshTokens)
    : ICommandHandler<ResetPasswordCommand>
{
    private const string ClaimSql = """
        UPDATE password_reset_tokens p SET used_at = now()
        FROM users u
        WHERE p.token_hash = @Hash AND p.used_at IS NULL AND p.expires_at > now()
          AND u.id = p.user_id AND u.is_active
        RETURNING p.user_id
        """;

    private const string UpdateSql = "UPDATE users SET password_hash = @Hash, token_version = token_version + 1 WHERE id = @UserId";

    public async ValueTask<Unit> Handle(ResetPasswordCommand command, CancellationToken ct)
    {
        var newHash = await hasher.HashAsync(command.NewPassword, ct);
        await using var connection = await dataSource.OpenConnectionAsync(ct);
        await using var transaction = await connection.BeginTransactionAsync(ct);

        // Marking the token used in the same statement that finds it makes it one-time even under parallel use.
        var userId = await connection.QuerySingleOrDefaultAsync<Guid?>(
            new CommandDefinition(ClaimSql, new { Hash = RefreshTokens.Hash(command.Token) }, transaction, cancellationToken: ct))
            ?? throw new FieldValidationException("token", "The reset token is invalid, used or expired.");

        await connection.ExecuteAsync(new CommandDefinition(UpdateSql, new { Hash = newHash, UserId = userId }, transaction, cancellationToken: ct));
        await refreshTokens.RevokeUserAsync(connection, transaction, userId, keepFamily: null, "password_reset", ct);
        await transaction.CommitAsync(ct);
        return Unit.Value;
    }
}
