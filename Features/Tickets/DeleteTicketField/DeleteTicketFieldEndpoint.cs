using Mediator;
using Microsoft.AspNetCore.Http.HttpResults;

namespace SupportDesk.Features.Tickets.DeleteTicketField;

public static class DeleteTicketFieldEndpoint
{
    public static void MapDeleteTicketField(this RouteGroupBuilder group) =>
        group.MapDelete("/{id:guid}", HandleAsync)
            .WithName("DeleteTicketField")
            .WithSummary("Delete a custom field (admin): its values leave every ticket view and filter, its history stays, its key is not reused.");

    private static async Task<NoContent> HandleAsync(Guid id, IMediator mediator, CancellationToken ct)
    {
        await mediator.Send(new DeleteTicketFieldCommand(id), ct);
        return TypedResults.NoContent();
    }
}
