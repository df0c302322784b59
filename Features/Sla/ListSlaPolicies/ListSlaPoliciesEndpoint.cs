using Mediator;
using Microsoft.AspNetCore.Http.HttpResults;

namespace SupportDesk.Features.Sla.ListSlaPolicies;

public static class ListSlaPoliciesEndpoint
{
    public static void MapListSlaPolicies(this RouteGroupBuilder group) =>
        group.MapGet("/", HandleAsync)
            .WithName("ListSlaPolicies")
            .WithSummary("All SLA policies in the order tickets try them: by position, then oldest first (agent or admin).");

    private static async Task<Ok<IReadOnlyList<SlaPolicyResponse>>> HandleAsync(IMediator mediator, CancellationToken ct) =>
        TypedResults.Ok(await mediator.Send(new ListSlaPoliciesQuery(), ct));
}
