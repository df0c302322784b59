using Dapper;
using Mediator;
using Npgsql;

namespace SupportDesk.Features.Organizations.CreateOrganization;

public sealed record CreateOrganizationCommand(string Name, string[] Domains, string Notes, bool Shared, bool SharedComments)
    : ICommand<OrganizationResponse>;

public sealed class CreateOrganizationHandler(NpgsqlDataSource dataSource) : ICommandHandler<CreateOrganizationCommand, OrganizationResponse>
{
    private const string InsertSql = """
        INSERT INTO organizations (id, name, notes, shared, shared_comments)
        VALUES (@Id, @Name, @Notes, @Shared, @SharedComments)
        """;

    public async ValueTask<OrganizationResponse> Handle(CreateOrganizationCommand command, CancellationToken ct)
    {
        var id = Guid.CreateVersion7();
        await using var connection = await dataSource.OpenConnectionAsync(ct);
        await using var transaction = await connection.BeginTransactionAsync(ct);
        await connection.ExecuteAsync(new CommandDefinition(InsertSql, new
        {
            Id = id, Name = command.Name.Trim(), command.Notes, command.Shared, command.SharedComments,
        }, transaction, cancellationToken: ct));
        await OrganizationRules.ReplaceDomainsAsync(connection, transaction, id, OrganizationRules.NormalizeDomains(command.Domains), ct);
        var created = await connection.QuerySingleAsync<OrganizationResponse>(
            new CommandDefinition(OrganizationResponse.ByIdSql, new { Id = id }, transaction, cancellationToken: ct));
        await transaction.CommitAsync(ct);
        return created;
    }
}
