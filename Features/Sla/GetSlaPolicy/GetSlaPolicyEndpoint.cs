using Mediator;
using Microsoft.AspNetCore.Http.HttpResults;

namespace SupportDesk.Features.Sla.GetSlaPolicy;

public static class GetSlaPolicyEndpoint
{
    public static void MapGetSlaPolicy(this RouteGroupBuilder group) =>
        group.MapGet("/{id:guid}", HandleAsync)
            .WithName("GetSlaPolicy")
            .WithSummary("One SLA policy (agent or admin).");

    private static async Task<Ok<SlaPolicyResponse>> HandleAsync(Guid id, IMediator mediator, CancellationToken ct) =>
        TypedResults.Ok(await mediator.Send(new GetSlaPolicyQuery(id), ct));
}
