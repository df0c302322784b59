using Mediator;
using Microsoft.AspNetCore.Http.HttpResults;
using SupportDesk.Infrastructure.OpenApi;

namespace SupportDesk.Features.Sla.CreateSchedule;

public static class CreateScheduleEndpoint
{
    public static void MapCreateSchedule(this RouteGroupBuilder group) =>
        group.MapPost("/", HandleAsync)
            .WithName("CreateSchedule")
            .ProducesProblems(StatusCodes.Status409Conflict) // the name is taken
            .WithSummary("Create a business-hours schedule (admin): an IANA time zone, weekly openings and holidays.");

    private static async Task<Created<ScheduleResponse>> HandleAsync(CreateScheduleRequest request, IMediator mediator, CancellationToken ct)
    {
        var schedule = await mediator.Send(new CreateScheduleCommand(request), ct);
        return TypedResults.Created($"/schedules/{schedule.Id}", schedule);
    }
}
