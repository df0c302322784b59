using Dapper;
using Mediator;
using Npgsql;
using SupportDesk.Infrastructure.Errors;

namespace SupportDesk.Features.Organizations.DeleteOrganization;

public sealed record DeleteOrganizationCommand(Guid Id) : ICommand;

public sealed class DeleteOrganizationHandler(NpgsqlDataSource dataSource) : ICommandHandler<DeleteOrganizationCommand>
{
    // Its domains go with it; its members stay, without an organization (ON DELETE SET NULL), and see only their own tickets.
    private const string Sql = "DELETE FROM organizations WHERE id = @Id";

    public async ValueTask<Unit> Handle(DeleteOrganizationCommand command, CancellationToken ct)
    {
        await using var connection = await dataSource.OpenConnectionAsync(ct);
        if (await connection.ExecuteAsync(new CommandDefinition(Sql, command, cancellationToken: ct)) == 0)
            throw new NotFoundException("Organization not found.");
        return Unit.Value;
    }
}
