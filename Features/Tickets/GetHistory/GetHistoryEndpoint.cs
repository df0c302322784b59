using System.Security.Claims;
using Mediator;
using Microsoft.AspNetCore.Http.HttpResults;
using SupportDesk.Infrastructure.Auth;
using SupportDesk.Infrastructure.Http;

namespace SupportDesk.Features.Tickets.GetHistory;

public static class GetHistoryEndpoint
{
    public static void MapGetHistory(this RouteGroupBuilder group) =>
        group.MapGet("/{id:guid}/history", HandleAsync)
            .WithName("GetTicketHistory")
            .WithSummary("The ticket's audit trail, oldest first. Customers do not see rows about private comments.");

    private static async Task<Ok<PagedResponse<TicketHistoryEntry>>> HandleAsync(
        Guid id, [AsParameters] PageRequest page, ClaimsPrincipal principal, IMediator mediator, CancellationToken ct) =>
        TypedResults.Ok(await mediator.Send(
            new GetHistoryQuery(principal.ToCurrentUser(), id, page.Limit ?? Paging.MaxLimit, page.Offset ?? 0), ct));
}
