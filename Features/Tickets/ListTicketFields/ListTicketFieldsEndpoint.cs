using System.Security.Claims;
using Mediator;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using SupportDesk.Infrastructure.Auth;

namespace SupportDesk.Features.Tickets.ListTicketFields;

public static class ListTicketFieldsEndpoint
{
    public static void MapListTicketFields(this RouteGroupBuilder group) =>
        group.MapGet("/", HandleAsync)
            .WithName("ListTicketFields")
            .WithSummary("The custom ticket fields, in position order. Customers get the customer_visible ones; staff may add include_deleted=true.");

    private static async Task<Ok<IReadOnlyList<TicketFieldResponse>>> HandleAsync(
        ClaimsPrincipal principal, IMediator mediator, CancellationToken ct, [FromQuery(Name = "include_deleted")] bool? includeDeleted = null) =>
        TypedResults.Ok(await mediator.Send(new ListTicketFieldsQuery(principal.ToCurrentUser(), includeDeleted ?? false), ct));
}
