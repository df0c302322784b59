using Dapper;
using FluentValidation;
using Mediator;
using Npgsql;
using SupportDesk.Infrastructure.Auth;

namespace SupportDesk.Features.Users.EnsureAdmin;

/// <summary>Creates the first admin (`create-admin`, or ADMIN_EMAIL/ADMIN_PASSWORD at start-up) unless that email exists.</summary>
public sealed record EnsureAdminCommand(string Email, string Password, string FirstName, string LastName) : ICommand<AdminBootstrapResult>;

public sealed class EnsureAdminValidator : AbstractValidator<EnsureAdminCommand>
{
    public EnsureAdminValidator()
    {
        RuleFor(c => c.Email).ValidEmail();
        RuleFor(c => c.Password).ValidPassword();
        RuleFor(c => c.FirstName).ValidName();
        RuleFor(c => c.LastName).ValidName();
    }
}

public sealed class EnsureAdminHandler(NpgsqlDataSource dataSource, PasswordHasher hasher)
    : ICommandHandler<EnsureAdminCommand, AdminBootstrapResult>
{
    private const string ExistingSql = "SELECT role FROM users WHERE lower(email) = @Email";

    private const string InsertSql = """
        INSERT INTO users (id, email, password_hash, first_name, last_name, role)
        VALUES (@Id, @Email, @PasswordHash, @FirstName, @LastName, 'admin')
        ON CONFLICT ((lower(email))) DO NOTHING
        """;

    public async ValueTask<AdminBootstrapResult> Handle(EnsureAdminCommand command, CancellationToken ct)
    {
        var email = UserRules.NormalizeEmail(command.Email);
        await using var connection = await dataSource.OpenConnectionAsync(ct);
        var existingRole = await connection.QuerySingleOrDefaultAsync<string>(new CommandDefinition(ExistingSql, new { Email = email }, cancellationToken: ct));
        if (existingRole is not null)
            return new AdminBootstrapResult(false, email, existingRole);

        var hash = await hasher.HashAsync(command.Password, ct);
        var inserted = await connection.ExecuteAsync(new CommandDefinition(InsertSql, new
        {
            Id = Guid.CreateVersion7(),
            Email = email,
            PasswordHash = hash,
            FirstName = command.FirstName.Trim(),
            LastName = command.LastName.Trim(),
        }, cancellationToken: ct));
        return new AdminBootstrapResult(inserted == 1, email, "admin");
    }
}

/// <summary>The seam start-up and the CLI use: the command through the mediator, so its validator runs.</summary>
internal sealed class EnsureAdminBootstrap(IMediator mediator) : IAdminBootstrap
{
    public ValueTask<AdminBootstrapResult> EnsureAdminAsync(string email, string password, string firstName, string lastName, CancellationToken ct) =>
        mediator.Send(new EnsureAdminCommand(email, password, firstName, lastName), ct);
}
