using Dapper;
using Npgsql;

namespace SupportDesk.Infrastructure.Auth;

/// <summary>
/// An account has at most one reset link that works: a new link, a reset, a password change and a deactivation
/// end every other one. The table holds only SHA-256 hashes of the tokens (see RefreshTokens.Hash).
/// </summary>
public static class PasswordResetLinks
{
    // A link that can no longer be used is not worth keeping: deleting it leaves nothing to match a token against.
    private const string RetireSql = "DELETE FROM password_reset_tokens WHERE user_id = @UserId";

    /// <summary>Ends every reset link of the account; the caller holds the user's row lock, so links retire in order.</summary>
    public static Task RetireAllAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, Guid userId, CancellationToken ct) =>
        connection.ExecuteAsync(new CommandDefinition(RetireSql, new { UserId = userId }, transaction, cancellationToken: ct));
}
