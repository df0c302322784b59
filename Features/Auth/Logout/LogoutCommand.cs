using Dapper;
using Mediator;
using Npgsql;
using SupportDesk.Infrastructure.Auth;

namespace SupportDesk.Features.Auth.Logout;

public sealed record LogoutCommand(string RefreshToken) : ICommand;

public sealed class LogoutHandler(NpgsqlDataSource dataSource) : ICommandHandler<LogoutCommand>
{
    private const string Sql = """
        UPDATE refresh_tokens SET revoked_at = now(), revoked_reason = 'logout'
        WHERE revoked_at IS NULL
          AND family_id = (SELECT family_id FROM refresh_tokens WHERE token_hash = @Hash)
        """;

    public async ValueTask<Unit> Handle(LogoutCommand command, CancellationToken ct)
    {
        await using var connection = await dataSource.OpenConnectionAsync(ct);
        await connection.ExecuteAsync(new CommandDefinition(Sql, new { Hash = RefreshTokens.Hash(command.RefreshToken) }, cancellationToken: ct));
        return Unit.Value;
    }
}
