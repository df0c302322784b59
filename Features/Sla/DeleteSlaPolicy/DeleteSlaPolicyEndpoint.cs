using Mediator;
using Microsoft.AspNetCore.Http.HttpResults;

namespace SupportDesk.Features.Sla.DeleteSlaPolicy;

public static class DeleteSlaPolicyEndpoint
{
    public static void MapDeleteSlaPolicy(this RouteGroupBuilder group) =>
        group.MapDelete("/{id:guid}", HandleAsync)
            .WithName("DeleteSlaPolicy")
            .WithSummary("Delete an SLA policy (admin). Tickets it applied to keep their running targets.");

    private static async Task<NoContent> HandleAsync(Guid id, IMediator mediator, CancellationToken ct)
    {
        await mediator.Send(new DeleteSlaPolicyCommand(id), ct);
        return TypedResults.NoContent();
    }
}
