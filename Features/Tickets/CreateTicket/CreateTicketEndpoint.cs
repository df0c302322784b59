using System.Security.Claims;
using Mediator;
using Microsoft.AspNetCore.Http.HttpResults;
using SupportDesk.Infrastructure.Auth;
using SupportDesk.Infrastructure.OpenApi;

namespace SupportDesk.Features.Tickets.CreateTicket;

public static class CreateTicketEndpoint
{
    public static void MapCreateTicket(this RouteGroupBuilder group) =>
        group.MapPost("/", HandleAsync)
            .WithName("CreateTicket")
            .ProducesProblems(StatusCodes.Status403Forbidden) // requester_id or group_id from a customer
            .WithSummary("Open a ticket. Customers open their own; agents and admins may pass requester_id to open one for a customer, and group_id to file it in a group. attachment_ids: files uploaded with POST /attachments. custom_fields: {key: value} (see GET /ticket-fields).");

    private static async Task<Created<TicketResponse>> HandleAsync(
        CreateTicketRequest request, ClaimsPrincipal principal, IMediator mediator, HttpContext http, CancellationToken ct)
    {
        var command = new CreateTicketCommand(principal.ToCurrentUser(), request.Title, request.Description,
            request.Priority ?? TicketPriority.Medium, request.Category, request.Tags, request.RequesterId, request.AttachmentIds ?? [],
            request.CustomFields, request.GroupId);
        var ticket = await mediator.Send(command, ct);
        return TypedResults.Created($"/tickets/{ticket.Id}", ticket.WithETag(http));
    }
}
