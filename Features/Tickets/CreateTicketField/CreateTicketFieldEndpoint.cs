using Mediator;
using Microsoft.AspNetCore.Http.HttpResults;
using SupportDesk.Infrastructure.OpenApi;

namespace SupportDesk.Features.Tickets.CreateTicketField;

public static class CreateTicketFieldEndpoint
{
    public static void MapCreateTicketField(this RouteGroupBuilder group) =>
        group.MapPost("/", HandleAsync)
            .WithName("CreateTicketField")
            .ProducesProblems(StatusCodes.Status409Conflict) // the key is taken, or TICKET_FIELDS_MAX is reached
            .WithSummary("Define a custom ticket field (admin). key and type cannot change later; dropdown and multi_select need options.");

    private static async Task<Created<TicketFieldResponse>> HandleAsync(CreateTicketFieldRequest request, IMediator mediator, CancellationToken ct)
    {
        var field = await mediator.Send(new CreateTicketFieldCommand(request), ct);
        return TypedResults.Created($"/ticket-fields/{field.Id}", field);
    }
}
