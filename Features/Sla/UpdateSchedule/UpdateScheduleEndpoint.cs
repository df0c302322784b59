using Mediator;
using Microsoft.AspNetCore.Http.HttpResults;
using SupportDesk.Features.Sla.CreateSchedule;
using SupportDesk.Infrastructure.OpenApi;

namespace SupportDesk.Features.Sla.UpdateSchedule;

public static class UpdateScheduleEndpoint
{
    public static void MapUpdateSchedule(this RouteGroupBuilder group) =>
        group.MapPut("/{id:guid}", HandleAsync)
            .WithName("ReplaceSchedule")
            .ProducesProblems(StatusCodes.Status409Conflict) // the name is taken
            .WithSummary("Replace a schedule (admin); the body is the create body. Targets already running keep their due times; new ones use the new hours.");

    private static async Task<Ok<ScheduleResponse>> HandleAsync(Guid id, CreateScheduleRequest request, IMediator mediator, CancellationToken ct) =>
        TypedResults.Ok(await mediator.Send(new UpdateScheduleCommand(id, request), ct));
}
