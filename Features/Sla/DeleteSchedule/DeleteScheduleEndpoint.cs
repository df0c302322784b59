using Mediator;
using Microsoft.AspNetCore.Http.HttpResults;
using SupportDesk.Infrastructure.OpenApi;

namespace SupportDesk.Features.Sla.DeleteSchedule;

public static class DeleteScheduleEndpoint
{
    public static void MapDeleteSchedule(this RouteGroupBuilder group) =>
        group.MapDelete("/{id:guid}", HandleAsync)
            .WithName("DeleteSchedule")
            .ProducesProblems(StatusCodes.Status409Conflict) // a policy uses it
            .WithSummary("Delete a schedule (admin). Refused (409) while an SLA policy uses it.");

    private static async Task<NoContent> HandleAsync(Guid id, IMediator mediator, CancellationToken ct)
    {
        await mediator.Send(new DeleteScheduleCommand(id), ct);
        return TypedResults.NoContent();
    }
}
