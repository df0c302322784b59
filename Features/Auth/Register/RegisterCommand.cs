using Dapper;
using Mediator;
using Npgsql;
using SupportDesk.Features.Users;
using SupportDesk.Infrastructure.Auth;
using SupportDesk.Infrastructure.Database;
using SupportDesk.Infrastructure.Errors;
using SupportDesk.Infrastructure.Organizations;

namespace SupportDesk.Features.Auth.Register;

public sealed record RegisterCommand(string Email, string Password, string FirstName, string LastName) : ICommand<AuthResponse>;

public sealed class RegisterHandler(NpgsqlDataSource dataSource, PasswordHasher hasher, AuthSessions sessions)
    : ICommandHandler<RegisterCommand, AuthResponse>
{
    // Self-registration only ever creates customers; staff accounts come from an admin (POST /users). The customer
    // joins the organization that holds their email's domain, read in the same statement.
    private const string Sql = $"""
        INSERT INTO users (id, email, password_hash, first_name, last_name, role, organization_id)
        VALUES (@Id, @Email, @PasswordHash, @FirstName, @LastName, 'customer', {OrganizationDomains.OrganizationForDomain})
        RETURNING {UserResponse.Columns}
        """;

    public async ValueTask<AuthResponse> Handle(RegisterCommand command, CancellationToken ct)
    {
        var hash = await hasher.HashAsync(command.Password, ct);
        await using var connection = await dataSource.OpenConnectionAsync(ct);
        await using var transaction = await connection.BeginTransactionAsync(ct);
        UserResponse user;
        try
        {
            user = await connection.QuerySingleAsync<UserResponse>(new CommandDefinition(Sql, new
            {
                Id = Guid.CreateVersion7(),
                Email = UserRules.NormalizeEmail(command.Email),
                Domain = OrganizationDomains.DomainOf(command.Email),
                PasswordHash = hash,
                FirstName = command.FirstName.Trim(),
                LastName = command.LastName.Trim(),
            }, transaction, cancellationToken: ct));
        }
        catch (PostgresException e) when (e.SqlState == PostgresErrors.UniqueViolation)
        {
            throw new ConflictException("An account with this email already exists.");
        }

        var session = await sessions.IssueAsync(connection, transaction, user, tokenVersion: 0, familyId: null, ct);
        await transaction.CommitAsync(ct);
        return session;
    }
}
