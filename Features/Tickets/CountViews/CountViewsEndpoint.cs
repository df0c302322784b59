using System.Security.Claims;
using Dapper;
using Mediator;
using Microsoft.AspNetCore.Http.HttpResults;
using Npgsql;
using SupportDesk.Features.Tickets.ListTickets;
using SupportDesk.Infrastructure.Auth;

namespace SupportDesk.Features.Tickets.CountViews;

/// <summary>
/// One view's count: exact up to the cap; capped says there are more (count is then the cap). valid false: the view's
/// filters no longer validate (count null; GET /views/{id}/tickets says why).
/// </summary>
public sealed record ViewCount(Guid ViewId, long? Count, bool Capped, bool Valid);

public sealed record CountViewsQuery(CurrentUser User) : IQuery<IReadOnlyList<ViewCount>>;

public sealed class CountViewsHandler(NpgsqlDataSource dataSource) : IQueryHandler<CountViewsQuery, IReadOnlyList<ViewCount>>
{
    private const string ViewsSql = $"SELECT {ViewResponse.Columns} FROM ticket_views v WHERE {TicketViews.VisibleTo} ORDER BY v.position, lower(v.name), v.id";

    public async ValueTask<IReadOnlyList<ViewCount>> Handle(CountViewsQuery query, CancellationToken ct)
    {
        await using var connection = await dataSource.OpenConnectionAsync(ct);
        var views = (await connection.QueryAsync<ViewResponse>(new CommandDefinition(ViewsSql, new { UserId = query.User.Id }, cancellationToken: ct))).AsList();
        var counts = new List<ViewCount>(views.Count);
        // Each count reads at most cap + 1 rows through the index its filter picks, so twenty views cost twenty bounded reads.
        foreach (var view in views)
        {
            var (request, _) = TicketViews.Read(view.Filters);
            if (request is null)
            {
                counts.Add(new ViewCount(view.Id, null, false, false));
                continue;
            }
            var list = request.ToQuery(query.User);
            var parameters = new DynamicParameters(ListTicketsHandler.ParametersFor(list));
            parameters.Add("Cap", TicketViews.CountCap);
            var count = await connection.ExecuteScalarAsync<long>(new CommandDefinition(ListTicketsHandler.CappedCountSqlFor(list), parameters, cancellationToken: ct));
            counts.Add(new ViewCount(view.Id, Math.Min(count, TicketViews.CountCap), count > TicketViews.CountCap, true));
        }
        return counts;
    }
}

public static class CountViewsEndpoint
{
    public static void MapCountViews(this RouteGroupBuilder group) =>
        group.MapGet("/counts", HandleAsync)
            .WithName("CountViews")
            .WithSummary("For each view the caller sees: how many tickets it holds for the caller, exact up to 1,000 (capped: true beyond).");

    private static async Task<Ok<IReadOnlyList<ViewCount>>> HandleAsync(ClaimsPrincipal principal, IMediator mediator, CancellationToken ct) =>
        TypedResults.Ok(await mediator.Send(new CountViewsQuery(principal.ToCurrentUser()), ct));
}
