using Dapper;
using Mediator;
using Npgsql;
using SupportDesk.Features.Users;
using SupportDesk.Infrastructure.Errors;
using SupportDesk.Infrastructure.Http;

namespace SupportDesk.Features.Organizations.ListMembers;

public sealed record ListMembersQuery(Guid OrganizationId, int Limit, int Offset) : IQuery<PagedResponse<UserResponse>>;

public sealed class ListMembersHandler(NpgsqlDataSource dataSource) : IQueryHandler<ListMembersQuery, PagedResponse<UserResponse>>
{
    private const string Sql = $"""
        SELECT EXISTS (SELECT 1 FROM organizations WHERE id = @OrganizationId);

        SELECT {UserResponse.Columns}
        FROM users
        WHERE organization_id = @OrganizationId
        ORDER BY id
        LIMIT @Limit OFFSET @Offset;

        SELECT count(*) FROM users WHERE organization_id = @OrganizationId;
        """;

    public async ValueTask<PagedResponse<UserResponse>> Handle(ListMembersQuery query, CancellationToken ct)
    {
        await using var connection = await dataSource.OpenConnectionAsync(ct);
        await using var results = await connection.QueryMultipleAsync(new CommandDefinition(Sql, query, cancellationToken: ct));
        if (!await results.ReadSingleAsync<bool>())
            throw new NotFoundException("Organization not found.");
        var items = (await results.ReadAsync<UserResponse>()).AsList();
        var total = await results.ReadSingleAsync<long>();
        return new PagedResponse<UserResponse>(items, total, query.Limit, query.Offset);
    }
}
