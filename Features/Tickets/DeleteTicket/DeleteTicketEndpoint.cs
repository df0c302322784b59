using System.Security.Claims;
using Mediator;
using Microsoft.AspNetCore.Http.HttpResults;
using SupportDesk.Infrastructure.Auth;

namespace SupportDesk.Features.Tickets.DeleteTicket;

public static class DeleteTicketEndpoint
{
    public static void MapDeleteTicket(this RouteGroupBuilder group) =>
        group.MapDelete("/{id:guid}", HandleAsync)
            .RequireAuthorization(Policies.Admin)
            .WithName("DeleteTicket")
            .WithSummary("Delete a ticket (admin only). It disappears from every route; its audit trail is kept.");

    private static async Task<NoContent> HandleAsync(Guid id, ClaimsPrincipal principal, IMediator mediator, CancellationToken ct)
    {
        await mediator.Send(new DeleteTicketCommand(principal.ToCurrentUser(), id), ct);
        return TypedResults.NoContent();
    }
}
