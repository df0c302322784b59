using Mediator;
using Microsoft.AspNetCore.Http.HttpResults;
using SupportDesk.Infrastructure.OpenApi;

namespace SupportDesk.Features.Sla.CreateSlaPolicy;

public static class CreateSlaPolicyEndpoint
{
    public static void MapCreateSlaPolicy(this RouteGroupBuilder group) =>
        group.MapPost("/", HandleAsync)
            .WithName("CreateSlaPolicy")
            .ProducesProblems(StatusCodes.Status409Conflict) // the name is taken
            .WithSummary("Create an SLA policy (admin). It applies to tickets opened or re-evaluated from now on.");

    private static async Task<Created<SlaPolicyResponse>> HandleAsync(CreateSlaPolicyRequest request, IMediator mediator, CancellationToken ct)
    {
        var policy = await mediator.Send(new CreateSlaPolicyCommand(request), ct);
        return TypedResults.Created($"/sla-policies/{policy.Id}", policy);
    }
}
