using Mediator;
using Microsoft.AspNetCore.Http.HttpResults;
using SupportDesk.Features.Users;
using SupportDesk.Infrastructure.Http;

namespace SupportDesk.Features.Organizations.ListMembers;

public static class ListMembersEndpoint
{
    public static void MapListMembers(this RouteGroupBuilder group) =>
        group.MapGet("/{id:guid}/members", HandleAsync)
            .WithName("ListOrganizationMembers")
            .WithSummary("The organization's members (admin only).");

    private static async Task<Ok<PagedResponse<UserResponse>>> HandleAsync(
        Guid id, [AsParameters] PageRequest page, IMediator mediator, CancellationToken ct) =>
        TypedResults.Ok(await mediator.Send(new ListMembersQuery(id, page.Limit ?? Paging.DefaultLimit, page.Offset ?? 0), ct));
}
