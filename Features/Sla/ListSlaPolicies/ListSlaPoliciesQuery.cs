using Dapper;
using Mediator;
using Npgsql;

namespace SupportDesk.Features.Sla.ListSlaPolicies;

public sealed record ListSlaPoliciesQuery : IQuery<IReadOnlyList<SlaPolicyResponse>>;

public sealed class ListSlaPoliciesHandler(NpgsqlDataSource dataSource) : IQueryHandler<ListSlaPoliciesQuery, IReadOnlyList<SlaPolicyResponse>>
{
    // The order tickets try them in; policies are few, so the list is whole.
    private const string Sql = $"SELECT {SlaPolicyRow.Columns} FROM sla_policies p ORDER BY p.position, p.created_at, p.id";

    public async ValueTask<IReadOnlyList<SlaPolicyResponse>> Handle(ListSlaPoliciesQuery query, CancellationToken ct)
    {
        await using var connection = await dataSource.OpenConnectionAsync(ct);
        return (await connection.QueryAsync<SlaPolicyRow>(new CommandDefinition(Sql, cancellationToken: ct))).Select(r => r.ToResponse()).ToList();
    }
}
