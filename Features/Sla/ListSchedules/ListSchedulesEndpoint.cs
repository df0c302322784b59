using Mediator;
using Microsoft.AspNetCore.Http.HttpResults;

namespace SupportDesk.Features.Sla.ListSchedules;

public static class ListSchedulesEndpoint
{
    public static void MapListSchedules(this RouteGroupBuilder group) =>
        group.MapGet("/", HandleAsync)
            .WithName("ListSchedules")
            .WithSummary("All business-hours schedules, by name (agent or admin).");

    private static async Task<Ok<IReadOnlyList<ScheduleResponse>>> HandleAsync(IMediator mediator, CancellationToken ct) =>
        TypedResults.Ok(await mediator.Send(new ListSchedulesQuery(), ct));
}
