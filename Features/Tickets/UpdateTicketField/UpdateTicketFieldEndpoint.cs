using Mediator;
using Microsoft.AspNetCore.Http.HttpResults;

namespace SupportDesk.Features.Tickets.UpdateTicketField;

public static class UpdateTicketFieldEndpoint
{
    public static void MapUpdateTicketField(this RouteGroupBuilder group) =>
        group.MapPatch("/{id:guid}", HandleAsync)
            .WithName("UpdateTicketField")
            .WithSummary("Change a custom field's label, options, rules or position (admin). No ticket is rewritten: tickets store option values, not labels.");

    private static async Task<Ok<TicketFieldResponse>> HandleAsync(Guid id, UpdateTicketFieldRequest request, IMediator mediator, CancellationToken ct) =>
        TypedResults.Ok(await mediator.Send(new UpdateTicketFieldCommand(id, request), ct));
}
