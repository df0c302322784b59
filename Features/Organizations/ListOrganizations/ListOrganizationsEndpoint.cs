using Mediator;
using Microsoft.AspNetCore.Http.HttpResults;
using SupportDesk.Infrastructure.Http;

namespace SupportDesk.Features.Organizations.ListOrganizations;

public static class ListOrganizationsEndpoint
{
    public static void MapListOrganizations(this RouteGroupBuilder group) =>
        group.MapGet("/", HandleAsync)
            .WithName("ListOrganizations")
            .WithSummary("List organizations by name, optionally only the one holding a domain (admin only).");

    private static async Task<Ok<PagedResponse<OrganizationResponse>>> HandleAsync(
        [AsParameters] ListOrganizationsRequest request, IMediator mediator, CancellationToken ct) =>
        TypedResults.Ok(await mediator.Send(
            new ListOrganizationsQuery(request.Domain, request.Limit ?? Paging.DefaultLimit, request.Offset ?? 0), ct));
}
