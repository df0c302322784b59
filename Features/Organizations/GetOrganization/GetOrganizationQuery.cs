using Dapper;
using Mediator;
using Npgsql;
using SupportDesk.Infrastructure.Errors;

namespace SupportDesk.Features.Organizations.GetOrganization;

public sealed record GetOrganizationQuery(Guid Id) : IQuery<OrganizationResponse>;

public sealed class GetOrganizationHandler(NpgsqlDataSource dataSource) : IQueryHandler<GetOrganizationQuery, OrganizationResponse>
{
    public async ValueTask<OrganizationResponse> Handle(GetOrganizationQuery query, CancellationToken ct)
    {
        await using var connection = await dataSource.OpenConnectionAsync(ct);
        return await connection.QuerySingleOrDefaultAsync<OrganizationResponse>(
                   new CommandDefinition(OrganizationResponse.ByIdSql, new { query.Id }, cancellationToken: ct))
               ?? throw new NotFoundException("Organization not found.");
    }
}
