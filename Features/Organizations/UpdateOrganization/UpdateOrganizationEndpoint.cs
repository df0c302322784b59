using Mediator;
using Microsoft.AspNetCore.Http.HttpResults;
using SupportDesk.Infrastructure.OpenApi;

namespace SupportDesk.Features.Organizations.UpdateOrganization;

public static class UpdateOrganizationEndpoint
{
    public static void MapUpdateOrganization(this RouteGroupBuilder group) =>
        group.MapPatch("/{id:guid}", HandleAsync)
            .ProducesProblems(StatusCodes.Status409Conflict) // a domain another organization holds
            .WithName("UpdateOrganization")
            .WithSummary("Change an organization's name, domains (the whole list), notes or sharing (admin only). Unsharing applies at once.");

    private static async Task<Ok<OrganizationResponse>> HandleAsync(
        Guid id, UpdateOrganizationRequest request, IMediator mediator, CancellationToken ct) =>
        TypedResults.Ok(await mediator.Send(new UpdateOrganizationCommand(
            id, request.Name, request.Domains, request.Notes, request.Shared, request.SharedComments), ct));
}
