using System.Security.Claims;
using Mediator;
using Microsoft.AspNetCore.Http.HttpResults;
using SupportDesk.Infrastructure.Auth;

namespace SupportDesk.Features.Tickets.GetTicket;

public static class GetTicketEndpoint
{
    public static void MapGetTicket(this RouteGroupBuilder group)
    {
        group.MapGet("/{id:guid}", ByIdAsync)
            .WithName("GetTicket")
            .WithSummary("One ticket, with its ETag (row version) for optimistic concurrency.");
        group.MapGet("/by-number/{number:long}", ByNumberAsync)
            .WithName("GetTicketByNumber")
            .WithSummary("One ticket by its human number (#1042 → /tickets/by-number/1042).");
    }

    private static async Task<Ok<TicketResponse>> ByIdAsync(Guid id, ClaimsPrincipal principal, IMediator mediator, HttpContext http, CancellationToken ct) =>
        TypedResults.Ok((await mediator.Send(new GetTicketQuery(principal.ToCurrentUser(), id, null), ct)).WithETag(http));

    private static async Task<Ok<TicketResponse>> ByNumberAsync(long number, ClaimsPrincipal principal, IMediator mediator, HttpContext http, CancellationToken ct) =>
        TypedResults.Ok((await mediator.Send(new GetTicketQuery(principal.ToCurrentUser(), null, number), ct)).WithETag(http));
}
