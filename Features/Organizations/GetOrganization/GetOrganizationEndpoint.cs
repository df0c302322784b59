using Mediator;
using Microsoft.AspNetCore.Http.HttpResults;

namespace SupportDesk.Features.Organizations.GetOrganization;

public static class GetOrganizationEndpoint
{
    public static void MapGetOrganization(this RouteGroupBuilder group) =>
        group.MapGet("/{id:guid}", HandleAsync)
            .WithName("GetOrganization")
            .WithSummary("Get one organization (admin only).");

    private static async Task<Ok<OrganizationResponse>> HandleAsync(Guid id, IMediator mediator, CancellationToken ct) =>
        TypedResults.Ok(await mediator.Send(new GetOrganizationQuery(id), ct));
}
