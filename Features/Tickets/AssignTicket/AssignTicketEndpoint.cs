using System.Security.Claims;
using Mediator;
using Microsoft.AspNetCore.Http.HttpResults;
using SupportDesk.Infrastructure.Auth;
using SupportDesk.Infrastructure.OpenApi;

namespace SupportDesk.Features.Tickets.AssignTicket;

public static class AssignTicketEndpoint
{
    public static void MapAssignTicket(this RouteGroupBuilder group) =>
        group.MapPost("/{id:guid}/assign", HandleAsync)
            .RequireAuthorization(Policies.AgentOrAdmin)
            .WithName("AssignTicket")
            .ProducesProblems(StatusCodes.Status412PreconditionFailed)
            .WithSummary("Assign the ticket to an agent or admin; assignee_id null unassigns it.");

    private static async Task<Ok<TicketResponse>> HandleAsync(
        Guid id, AssignTicketRequest request, ClaimsPrincipal principal, IMediator mediator, HttpContext http, CancellationToken ct)
    {
        var command = new AssignTicketCommand(principal.ToCurrentUser(), id, IfMatch.Parse(http.Request.Headers.IfMatch), request.AssigneeId);
        return TypedResults.Ok((await mediator.Send(command, ct)).WithETag(http));
    }
}
