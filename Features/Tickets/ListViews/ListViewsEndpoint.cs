using System.Security.Claims;
using Dapper;
using Mediator;
using Microsoft.AspNetCore.Http.HttpResults;
using Npgsql;
using SupportDesk.Infrastructure.Auth;

namespace SupportDesk.Features.Tickets.ListViews;

public sealed record ListViewsQuery(CurrentUser User) : IQuery<IReadOnlyList<ViewResponse>>;

public sealed class ListViewsHandler(NpgsqlDataSource dataSource, TicketFieldsCache fields) : IQueryHandler<ListViewsQuery, IReadOnlyList<ViewResponse>>
{
    private const string Sql = $"SELECT {ViewResponse.Columns} FROM ticket_views v WHERE {TicketViews.VisibleTo} ORDER BY v.position, lower(v.name), v.id";

    public async ValueTask<IReadOnlyList<ViewResponse>> Handle(ListViewsQuery query, CancellationToken ct)
    {
        await using var connection = await dataSource.OpenConnectionAsync(ct);
        var views = (await connection.QueryAsync<ViewResponse>(new CommandDefinition(Sql, new { UserId = query.User.Id }, cancellationToken: ct))).AsList();
        // A view over a deleted field or group says so here, so a client can mark it before anyone opens it.
        if (views.Count > 0)
        {
            var catalog = await TicketViews.CatalogAsync(connection, ct, fields);
            foreach (var view in views)
            {
                var (list, errors) = TicketViews.Resolve(view.Filters, catalog, query.User);
                if (list is null)
                    (view.Valid, view.Problem) = (false, TicketViews.Stale(errors));
            }
        }
        return views;
    }
}

public static class ListViewsEndpoint
{
    public static void MapListViews(this RouteGroupBuilder group) =>
        group.MapGet("/", HandleAsync)
            .WithName("ListViews")
            .WithSummary("The views the caller sees (their own, shared with everyone or with one of their groups), by position.");

    private static async Task<Ok<IReadOnlyList<ViewResponse>>> HandleAsync(ClaimsPrincipal principal, IMediator mediator, CancellationToken ct) =>
        TypedResults.Ok(await mediator.Send(new ListViewsQuery(principal.ToCurrentUser()), ct));
}
