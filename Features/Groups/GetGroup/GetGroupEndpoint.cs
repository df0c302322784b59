using Dapper;
using Mediator;
using Microsoft.AspNetCore.Http.HttpResults;
using Npgsql;
using SupportDesk.Infrastructure.Errors;

namespace SupportDesk.Features.Groups.GetGroup;

public sealed record GetGroupQuery(Guid Id) : IQuery<GroupResponse>;

public sealed class GetGroupHandler(NpgsqlDataSource dataSource) : IQueryHandler<GetGroupQuery, GroupResponse>
{
    private const string Sql = $"SELECT {GroupResponse.Columns} FROM groups g WHERE g.id = @Id";

    public async ValueTask<GroupResponse> Handle(GetGroupQuery query, CancellationToken ct)
    {
        await using var connection = await dataSource.OpenConnectionAsync(ct);
        return await connection.QuerySingleOrDefaultAsync<GroupResponse>(new CommandDefinition(Sql, query, cancellationToken: ct))
               ?? throw new NotFoundException("Group not found.");
    }
}

public static class GetGroupEndpoint
{
    public static void MapGetGroup(this RouteGroupBuilder group) =>
        group.MapGet("/{id:guid}", HandleAsync)
            .WithName("GetGroup")
            .WithSummary("One group with its members (agent or admin).");

    private static async Task<Ok<GroupResponse>> HandleAsync(Guid id, IMediator mediator, CancellationToken ct) =>
        TypedResults.Ok(await mediator.Send(new GetGroupQuery(id), ct));
}
