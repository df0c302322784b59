using Dapper;
using Mediator;
using Npgsql;
using SupportDesk.Infrastructure.Errors;

namespace SupportDesk.Features.Organizations.UpdateOrganization;

public sealed record UpdateOrganizationCommand(Guid Id, string? Name, string[]? Domains, string? Notes, bool? Shared, bool? SharedComments)
    : ICommand<OrganizationResponse>;

public sealed class UpdateOrganizationHandler(NpgsqlDataSource dataSource) : ICommandHandler<UpdateOrganizationCommand, OrganizationResponse>
{
    // Turning sharing off takes effect for members at once: every visibility check reads organizations.shared.
    private const string UpdateSql = """
        UPDATE organizations SET
            name = COALESCE(@Name, name),
            notes = COALESCE(@Notes, notes),
            shared = COALESCE(@Shared, shared),
            shared_comments = COALESCE(@SharedComments, shared_comments)
        WHERE id = @Id
        """;

    public async ValueTask<OrganizationResponse> Handle(UpdateOrganizationCommand command, CancellationToken ct)
    {
        await using var connection = await dataSource.OpenConnectionAsync(ct);
        await using var transaction = await connection.BeginTransactionAsync(ct);
        var changed = await connection.ExecuteAsync(new CommandDefinition(UpdateSql, new
        {
            command.Id, Name = command.Name?.Trim(), command.Notes, command.Shared, command.SharedComments,
        }, transaction, cancellationToken: ct));
        if (changed == 0)
            throw new NotFoundException("Organization not found.");
        if (command.Domains is { } domains)
            await OrganizationRules.ReplaceDomainsAsync(connection, transaction, command.Id, OrganizationRules.NormalizeDomains(domains), ct);
        var updated = await connection.QuerySingleAsync<OrganizationResponse>(
            new CommandDefinition(OrganizationResponse.ByIdSql, new { command.Id }, transaction, cancellationToken: ct));
        await transaction.CommitAsync(ct);
        return updated;
    }
}
