using Mediator;
using Microsoft.AspNetCore.Http.HttpResults;

namespace SupportDesk.Features.Sla.GetSchedule;

public static class GetScheduleEndpoint
{
    public static void MapGetSchedule(this RouteGroupBuilder group) =>
        group.MapGet("/{id:guid}", HandleAsync)
            .WithName("GetSchedule")
            .WithSummary("One business-hours schedule (agent or admin).");

    private static async Task<Ok<ScheduleResponse>> HandleAsync(Guid id, IMediator mediator, CancellationToken ct) =>
        TypedResults.Ok(await mediator.Send(new GetScheduleQuery(id), ct));
}
