using Dapper;
using Mediator;
using Npgsql;
using SupportDesk.Infrastructure.Auth;
using SupportDesk.Infrastructure.Database;
using SupportDesk.Infrastructure.Errors;

namespace SupportDesk.Features.Users.CreateUser;

public sealed record CreateUserCommand(string Email, string Password, string FirstName, string LastName, UserRole Role)
    : ICommand<UserResponse>;

public sealed class CreateUserHandler(NpgsqlDataSource dataSource, PasswordHasher hasher) : ICommandHandler<CreateUserCommand, UserResponse>
{
    private const string Sql = $"""
        INSERT INTO users (id, email, password_hash, first_name, last_name, role)
        VALUES (@Id, @Email, @PasswordHash, @FirstName, @LastName, @Role)
        RETURNING {UserResponse.Columns}
        """;

    public async ValueTask<UserResponse> Handle(CreateUserCommand command, CancellationToken ct)
    {
        var hash = await hasher.HashAsync(command.Password, ct);
        await using var connection = await dataSource.OpenConnectionAsync(ct);
        try
        {
            return await connection.QuerySingleAsync<UserResponse>(new CommandDefinition(Sql, new
            {
                Id = Guid.CreateVersion7(),
                Email = UserRules.NormalizeEmail(command.Email),
                PasswordHash = hash,
                FirstName = command.FirstName.Trim(),
                LastName = command.LastName.Trim(),
                Role = command.Role.ToDb(),
            }, cancellationToken: ct));
        }
        catch (PostgresException e) when (e.SqlState == PostgresErrors.UniqueViolation)
        {
            throw new ConflictException("A user with this email already exists.");
        }
    }
}
