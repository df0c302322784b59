using Dapper;
using Mediator;
using Npgsql;
using SupportDesk.Features.Users;
using SupportDesk.Infrastructure.Auth;
using SupportDesk.Infrastructure.Errors;

namespace SupportDesk.Features.Auth.Refresh;

public sealed record RefreshCommand(string RefreshToken) : ICommand<AuthResponse>;

public sealed class RefreshHandler(NpgsqlDataSource dataSource, RefreshTokens refreshTokens, AuthSessions sessions, TimeProvider clock)
    : ICommandHandler<RefreshCommand, AuthResponse>
{
    private const string FindSql = """
        SELECT r.id, r.family_id, r.expires_at, r.replaced_at, r.revoked_at, u.is_active, u.token_version
        FROM refresh_tokens r JOIN users u ON u.id = r.user_id
        WHERE r.token_hash = @Hash
        FOR UPDATE OF r
        """;

    private const string RetireSql = "UPDATE refresh_tokens SET replaced_at = now() WHERE id = @Id";

    private const string UserSql = $"SELECT {UserResponse.Columns} FROM users WHERE id = (SELECT user_id FROM refresh_tokens WHERE id = @Id)";

    private sealed class StoredToken
    {
        public Guid Id { get; init; }
        public Guid FamilyId { get; init; }
        public DateTime ExpiresAt { get; init; }
        public DateTime? ReplacedAt { get; init; }
        public DateTime? RevokedAt { get; init; }
        public bool IsActive { get; init; }
        public int TokenVersion { get; init; }
    }

    public async ValueTask<AuthResponse> Handle(RefreshCommand command, CancellationToken ct)
    {
        await using var connection = await dataSource.OpenConnectionAsync(ct);
        await using var transaction = await connection.BeginTransactionAsync(ct);

        var stored = await connection.QuerySingleOrDefaultAsync<StoredToken>(new CommandDefinition(FindSql,
            new { Hash = RefreshTokens.Hash(command.RefreshToken) }, transaction, cancellationToken: ct));
        if (stored is null)
            throw new UnauthorizedException("The refresh token is not valid.");

        if (stored.ReplacedAt is not null && stored.RevokedAt is null)
        {
            // A retired token came back: someone holds a copy. End the whole session for everyone holding it.
            await refreshTokens.RevokeFamilyAsync(connection, transaction, stored.FamilyId, "reuse", ct);
            await transaction.CommitAsync(ct);
            throw new UnauthorizedException("The refresh token was already used; the session has been revoked.");
        }
        if (stored.RevokedAt is not null || stored.ExpiresAt <= clock.GetUtcNow().UtcDateTime || !stored.IsActive)
            throw new UnauthorizedException("The refresh token is not valid.");

        await connection.ExecuteAsync(new CommandDefinition(RetireSql, new { stored.Id }, transaction, cancellationToken: ct));
        var user = await connection.QuerySingleAsync<UserResponse>(new CommandDefinition(UserSql, new { stored.Id }, transaction, cancellationToken: ct));
        var session = await sessions.IssueAsync(connection, transaction, user, stored.TokenVersion, stored.FamilyId, ct);
        await transaction.CommitAsync(ct);
        return session;
    }
}
