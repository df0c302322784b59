using System.Security.Claims;
using FluentValidation;
using Mediator;
using Microsoft.AspNetCore.Http.HttpResults;
using Npgsql;
using SupportDesk.Infrastructure.Auth;
using SupportDesk.Infrastructure.Http;
using SupportDesk.Infrastructure.OpenApi;

namespace SupportDesk.Features.Tickets.ListViewTickets;

public sealed record ListViewTicketsRequest(int? Limit, int? Offset);

public sealed class ListViewTicketsValidator : AbstractValidator<ListViewTicketsRequest>
{
    public ListViewTicketsValidator()
    {
        RuleFor(r => r.Limit).InclusiveBetween(1, Paging.MaxLimit);
        RuleFor(r => r.Offset).InclusiveBetween(0, Paging.MaxOffset);
    }
}

public sealed record ListViewTicketsQuery(CurrentUser User, Guid ViewId, int Limit, int Offset) : IQuery<ListTickets.ListTicketsQuery>;

/// <summary>The view's filters as the list query (the caller's visibility applies as on GET /tickets).</summary>
public sealed class ListViewTicketsHandler(NpgsqlDataSource dataSource, TicketFieldsCache fields) : IQueryHandler<ListViewTicketsQuery, ListTickets.ListTicketsQuery>
{
    public async ValueTask<ListTickets.ListTicketsQuery> Handle(ListViewTicketsQuery query, CancellationToken ct)
    {
        await using var connection = await dataSource.OpenConnectionAsync(ct);
        var view = await TicketViews.LoadAsync(connection, query.ViewId, query.User, ct);
        return await TicketViews.QueryForAsync(connection, fields, view, query.User, query.Limit, query.Offset, ct);
    }
}

public static class ListViewTicketsEndpoint
{
    public static void MapListViewTickets(this RouteGroupBuilder group) =>
        group.MapGet("/{id:guid}/tickets", HandleAsync)
            .WithName("ListViewTickets")
            .ProducesProblems(StatusCodes.Status422UnprocessableEntity) // the view's filters no longer hold (e.g. a deleted custom field or group)
            .WithSummary("The tickets of a view, as GET /tickets answers for its filters; 422 naming the filter when one no longer holds (a deleted custom field or group).");

    private static async Task<Ok<PagedResponse<TicketResponse>>> HandleAsync(
        Guid id, [AsParameters] ListViewTicketsRequest request, ClaimsPrincipal principal, IMediator mediator, CancellationToken ct)
    {
        var list = await mediator.Send(new ListViewTicketsQuery(principal.ToCurrentUser(), id, request.Limit ?? Paging.DefaultLimit, request.Offset ?? 0), ct);
        return TypedResults.Ok(await mediator.Send(list, ct));
    }
}
