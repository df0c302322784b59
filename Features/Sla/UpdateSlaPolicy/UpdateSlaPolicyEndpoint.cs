using Mediator;
using Microsoft.AspNetCore.Http.HttpResults;
using SupportDesk.Features.Sla.CreateSlaPolicy;
using SupportDesk.Infrastructure.OpenApi;

namespace SupportDesk.Features.Sla.UpdateSlaPolicy;

public static class UpdateSlaPolicyEndpoint
{
    public static void MapUpdateSlaPolicy(this RouteGroupBuilder group) =>
        group.MapPut("/{id:guid}", HandleAsync)
            .WithName("ReplaceSlaPolicy")
            .ProducesProblems(StatusCodes.Status409Conflict) // the name is taken
            .WithSummary("Replace an SLA policy (admin); the body is the create body. Running targets keep their due times.");

    private static async Task<Ok<SlaPolicyResponse>> HandleAsync(Guid id, CreateSlaPolicyRequest request, IMediator mediator, CancellationToken ct) =>
        TypedResults.Ok(await mediator.Send(new UpdateSlaPolicyCommand(id, request), ct));
}
