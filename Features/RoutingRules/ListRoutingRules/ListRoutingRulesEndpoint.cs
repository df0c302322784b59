using Dapper;
using Mediator;
using Microsoft.AspNetCore.Http.HttpResults;
using Npgsql;

namespace SupportDesk.Features.RoutingRules.ListRoutingRules;

public sealed record ListRoutingRulesQuery : IQuery<IReadOnlyList<RoutingRuleResponse>>;

public sealed class ListRoutingRulesHandler(NpgsqlDataSource dataSource) : IQueryHandler<ListRoutingRulesQuery, IReadOnlyList<RoutingRuleResponse>>
{
    private const string Sql = $"SELECT {RoutingRuleResponse.Columns} FROM routing_rules r ORDER BY r.position, r.id";

    public async ValueTask<IReadOnlyList<RoutingRuleResponse>> Handle(ListRoutingRulesQuery query, CancellationToken ct)
    {
        await using var connection = await dataSource.OpenConnectionAsync(ct);
        return (await connection.QueryAsync<RoutingRuleResponse>(new CommandDefinition(Sql, cancellationToken: ct))).AsList();
    }
}

public static class ListRoutingRulesEndpoint
{
    public static void MapListRoutingRules(this RouteGroupBuilder group) =>
        group.MapGet("/", HandleAsync)
            .WithName("ListRoutingRules")
            .WithSummary("Every routing rule in the order they are tried (admin only).");

    private static async Task<Ok<IReadOnlyList<RoutingRuleResponse>>> HandleAsync(IMediator mediator, CancellationToken ct) =>
        TypedResults.Ok(await mediator.Send(new ListRoutingRulesQuery(), ct));
}
