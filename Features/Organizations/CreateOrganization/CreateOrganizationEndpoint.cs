using Mediator;
using Microsoft.AspNetCore.Http.HttpResults;
using SupportDesk.Infrastructure.OpenApi;

namespace SupportDesk.Features.Organizations.CreateOrganization;

public static class CreateOrganizationEndpoint
{
    public static void MapCreateOrganization(this RouteGroupBuilder group) =>
        group.MapPost("/", HandleAsync)
            .ProducesProblems(StatusCodes.Status409Conflict) // a domain another organization holds
            .WithName("CreateOrganization")
            .WithSummary("Create a customer organization with its email domains (admin only). A domain already claimed is a 409 naming `domains`.");

    private static async Task<Created<OrganizationResponse>> HandleAsync(CreateOrganizationRequest request, IMediator mediator, CancellationToken ct)
    {
        var created = await mediator.Send(new CreateOrganizationCommand(
            request.Name, request.Domains ?? [], request.Notes ?? "", request.Shared, request.SharedComments), ct);
        return TypedResults.Created($"/organizations/{created.Id}", created);
    }
}
