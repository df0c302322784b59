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
            .WithSummary("List the tickets the caller may see, filtered, sorted and paged. field.<key>=<value> filters by a custom field (one value each; a multi_select matches tickets holding that option). sort=sla_due_at is the agents' queue: nearest SLA due time first, tickets without one last.");

    private static async Task<Ok<PagedResponse<TicketResponse>>> HandleAsync(
        [AsParameters] ListTicketsRequest request, ClaimsPrincipal principal, IMediator mediator, HttpContext http, CancellationToken ct)
    {
        return TypedResults.Ok(await mediator.Send(
            request.ToQuery(principal.ToCurrentUser()) with { FieldFilters = CustomFieldFilters.FromQuery(http.Request.Query) }, ct));
    }
}
