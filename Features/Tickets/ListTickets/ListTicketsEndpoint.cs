using System.Security.Claims;
using Mediator;
using Microsoft.AspNetCore.Http.HttpResults;
using SupportDesk.Infrastructure.Auth;
using SupportDesk.Infrastructure.Http;

namespace SupportDesk.Features.Tickets.ListTickets;

public static class ListTicketsEndpoint
{
    public static void MapListTickets(this RouteGroupBuilder group) =>
        group.MapGet("/", HandleAsync)
            .WithName("ListTickets")
            .WithSummary("List the tickets the caller may see, filtered, sorted and paged.");

    private static async Task<Ok<PagedResponse<TicketResponse>>> HandleAsync(
        [AsParameters] ListTicketsRequest request, ClaimsPrincipal principal, IMediator mediator, CancellationToken ct)
    {
        return TypedResults.Ok(await mediator.Send(request.ToQuery(principal.ToCurrentUser()), ct));
    }
}
