using Dapper;
using Mediator;
using Microsoft.AspNetCore.Http.HttpResults;
using Npgsql;

namespace SupportDesk.Features.Groups.ListGroups;

public sealed record ListGroupsQuery : IQuery<IReadOnlyList<GroupResponse>>;

public sealed class ListGroupsHandler(NpgsqlDataSource dataSource) : IQueryHandler<ListGroupsQuery, IReadOnlyList<GroupResponse>>
{
    private const string Sql = $"SELECT {GroupResponse.Columns} FROM groups g ORDER BY lower(g.name)";

    public async ValueTask<IReadOnlyList<GroupResponse>> Handle(ListGroupsQuery query, CancellationToken ct)
    {
        await using var connection = await dataSource.OpenConnectionAsync(ct);
        return (await connection.QueryAsync<GroupResponse>(new CommandDefinition(Sql, cancellationToken: ct))).AsList();
    }
}

public static class ListGroupsEndpoint
{
    public static void MapListGroups(this RouteGroupBuilder group) =>
        group.MapGet("/", HandleAsync)
            .WithName("ListGroups")
            .WithSummary("Every group with its members, by name (agent or admin).");

    private static async Task<Ok<IReadOnlyList<GroupResponse>>> HandleAsync(IMediator mediator, CancellationToken ct) =>
        TypedResults.Ok(await mediator.Send(new ListGroupsQuery(), ct));
}
