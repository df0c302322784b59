using System.Security.Cryptography;
using Dapper;
using Npgsql;
using SupportDesk.Infrastructure.Configuration;

namespace SupportDesk.Infrastructure.Auth;

public sealed record IssuedRefreshToken(string Token, int ExpiresIn);

/// <summary>
/// Opaque tokens (32 random bytes, base64url) of which only a SHA-256 hash is stored: a database leak does not
/// leak usable tokens. Shared by the sign-in, refresh, logout and password slices.
/// </summary>
public sealed class RefreshTokens(AppSettings settings, TimeProvider clock)
{
    internal const string InsertSql = """
        INSERT INTO refresh_tokens (id, user_id, family_id, token_hash, expires_at)
        VALUES (@Id, @UserId, @FamilyId, @Hash, @ExpiresAt)
        """;

    private const string RevokeFamilySql = """
        UPDATE refresh_tokens SET revoked_at = now(), revoked_reason = @Reason
        WHERE family_id = @FamilyId AND revoked_at IS NULL
        """;

    private const string RevokeUserSql = """
        UPDATE refresh_tokens SET revoked_at = now(), revoked_reason = @Reason
        WHERE user_id = @UserId AND revoked_at IS NULL AND family_id IS DISTINCT FROM @KeepFamily
        """;

    public int LifetimeSeconds => settings.Auth.RefreshTokenDays * 86400;

    public static string NewToken() => Base64UrlEncode(RandomNumberGenerator.GetBytes(32));

    public static byte[] Hash(string token) => SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(token));

    /// <summary>Stores a new token of the given family (a new family for a fresh sign-in) and returns it.</summary>
    public async Task<IssuedRefreshToken> IssueAsync(NpgsqlConnection connection, NpgsqlTransaction? transaction,
        Guid userId, Guid? familyId, CancellationToken ct)
    {
        var token = NewToken();
        await connection.ExecuteAsync(new CommandDefinition(InsertSql, new
        {
            Id = Guid.CreateVersion7(),
            UserId = userId,
            FamilyId = familyId ?? Guid.CreateVersion7(),
            Hash = Hash(token),
            ExpiresAt = clock.GetUtcNow().UtcDateTime.AddSeconds(LifetimeSeconds),
        }, transaction, cancellationToken: ct));
        return new IssuedRefreshToken(token, LifetimeSeconds);
    }

    public Task RevokeFamilyAsync(NpgsqlConnection connection, NpgsqlTransaction? transaction, Guid familyId, string reason, CancellationToken ct) =>
        connection.ExecuteAsync(new CommandDefinition(RevokeFamilySql, new { FamilyId = familyId, Reason = reason }, transaction, cancellationToken: ct));

    /// <summary>Revokes every session of the user, except the family given (the caller's own session).</summary>
    public Task RevokeUserAsync(NpgsqlConnection connection, NpgsqlTransaction? transaction, Guid userId, Guid? keepFamily, string reason, CancellationToken ct) =>
        connection.ExecuteAsync(new CommandDefinition(RevokeUserSql, new { UserId = userId, KeepFamily = keepFamily, Reason = reason }, transaction, cancellationToken: ct));

    private static string Base64UrlEncode(byte[] bytes) =>
        Convert.ToBase64String(bytes).TrimEnd('=').Replace('+', '-').Replace('/', '_');
}
