using Dapper;
using Mediator;
using Npgsql;
using SupportDesk.Infrastructure.Http;

namespace SupportDesk.Features.Organizations.ListOrganizations;

public sealed record ListOrganizationsQuery(string? Domain, int Limit, int Offset) : IQuery<PagedResponse<OrganizationResponse>>;

public sealed class ListOrganizationsHandler(NpgsqlDataSource dataSource)
    : IQueryHandler<ListOrganizationsQuery, PagedResponse<OrganizationResponse>>
{
    private const string Filter = "(@Domain::text IS NULL OR o.id IN (SELECT d.organization_id FROM organization_domains d WHERE d.domain = @Domain))";

    private const string Sql = $"""
        SELECT {OrganizationResponse.Columns}
        FROM organizations o
        WHERE {Filter}
        ORDER BY lower(o.name), o.id
        LIMIT @Limit OFFSET @Offset;

        SELECT count(*) FROM organizations o WHERE {Filter};
        """;

    public async ValueTask<PagedResponse<OrganizationResponse>> Handle(ListOrganizationsQuery query, CancellationToken ct)
    {
        await using var connection = await dataSource.OpenConnectionAsync(ct);
        var domain = query.Domain is null ? null : Infrastructure.Organizations.OrganizationDomains.Normalize(query.Domain);
        await using var results = await connection.QueryMultipleAsync(new CommandDefinition(Sql,
            new { Domain = domain, query.Limit, query.Offset }, cancellationToken: ct));
        var items = (await results.ReadAsync<OrganizationResponse>()).AsList();
        var total = await results.ReadSingleAsync<long>();
        return new PagedResponse<OrganizationResponse>(items, total, query.Limit, query.Offset);
    }
}
