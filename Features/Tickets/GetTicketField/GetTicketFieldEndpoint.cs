using System.Security.Claims;
using Mediator;
using Microsoft.AspNetCore.Http.HttpResults;
using SupportDesk.Infrastructure.Auth;

namespace SupportDesk.Features.Tickets.GetTicketField;

public static class GetTicketFieldEndpoint
{
    public static void MapGetTicketField(this RouteGroupBuilder group) =>
        group.MapGet("/{id:guid}", HandleAsync)
            .WithName("GetTicketField")
            .WithSummary("One custom ticket field (staff also see deleted ones, with deleted_at).");

    private static async Task<Ok<TicketFieldResponse>> HandleAsync(Guid id, ClaimsPrincipal principal, IMediator mediator, CancellationToken ct) =>
        TypedResults.Ok(await mediator.Send(new GetTicketFieldQuery(principal.ToCurrentUser(), id), ct));
}
