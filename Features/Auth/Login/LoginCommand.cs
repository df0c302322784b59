using Dapper;
using Mediator;
using Npgsql;
using SupportDesk.Features.Users;
using SupportDesk.Infrastructure.Auth;
using SupportDesk.Infrastructure.Errors;

namespace SupportDesk.Features.Auth.Login;

public sealed record LoginCommand(string Email, string Password) : ICommand<AuthResponse>;

public sealed class LoginHandler(NpgsqlDataSource dataSource, PasswordHasher hasher, AuthSessions sessions)
    : ICommandHandler<LoginCommand, AuthResponse>
{
    internal const string Sql = $"""
        SELECT {UserResponse.Columns}, password_hash, token_version
        FROM users
        WHERE lower(email) = @Email
        """;

    public async ValueTask<AuthResponse> Handle(LoginCommand command, CancellationToken ct)
    {
        var email = UserRules.NormalizeEmail(command.Email);
        await using var connection = await dataSource.OpenConnectionAsync(ct);
        var rows = await connection.QueryAsync<UserResponse, LoginSecrets, (UserResponse User, LoginSecrets Secrets)>(
            new CommandDefinition(Sql, new { Email = email }, cancellationToken: ct),
            (user, secrets) => (user, secrets),
            splitOn: "password_hash");
        var found = rows.SingleOrDefault();

        // Unknown email, wrong password and inactive account all cost one bcrypt verify and give the same answer.
        var passwordOk = await hasher.VerifyAsync(command.Password, found.Secrets?.PasswordHash, ct);
        if (!passwordOk || found.User is null || !found.User.IsActive)
            throw new UnauthorizedException("Invalid email or password.");

        return await sessions.IssueAsync(connection, null, found.User, found.Secrets!.TokenVersion, familyId: null, ct);
    }

    private sealed class LoginSecrets
    {
        public string PasswordHash { get; init; } = "";
        public int TokenVersion { get; init; }
    }
}
