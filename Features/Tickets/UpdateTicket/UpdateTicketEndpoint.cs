using System.Security.Claims;
using Mediator;
using Microsoft.AspNetCore.Http.HttpResults;
using SupportDesk.Infrastructure.Auth;
using SupportDesk.Infrastructure.OpenApi;

namespace SupportDesk.Features.Tickets.UpdateTicket;

public static class UpdateTicketEndpoint
{
    public static void MapUpdateTicket(this RouteGroupBuilder group)
    {
        // The spec's verb is PUT; both are partial updates (absent fields stay as they are).
        group.MapPut("/{id:guid}", HandleAsync)
            .WithName("UpdateTicket")
            .ProducesProblems(StatusCodes.Status403Forbidden, StatusCodes.Status412PreconditionFailed, StatusCodes.Status422UnprocessableEntity)
            .WithSummary("Partial update. Send If-Match with the ETag to refuse overwriting someone else's change (412). custom_fields sets the keys given (null clears one).");
        group.MapPatch("/{id:guid}", HandleAsync)
            .WithName("PatchTicket")
            .ProducesProblems(StatusCodes.Status403Forbidden, StatusCodes.Status412PreconditionFailed, StatusCodes.Status422UnprocessableEntity)
            .WithSummary("Same as PUT: a partial update.");
    }

    private static async Task<Ok<TicketResponse>> HandleAsync(
        Guid id, UpdateTicketRequest request, ClaimsPrincipal principal, IMediator mediator, HttpContext http, CancellationToken ct)
    {
        var command = new UpdateTicketCommand(principal.ToCurrentUser(), id, IfMatch.Parse(http.Request.Headers.IfMatch), request);
        return TypedResults.Ok((await mediator.Send(command, ct)).WithETag(http));
    }
}
