using Mediator;
using Microsoft.AspNetCore.Http.HttpResults;
using SupportDesk.Infrastructure.Http;

namespace SupportDesk.Features.Users.ListUsers;

public static class ListUsersEndpoint
{
    public static void MapListUsers(this RouteGroupBuilder group) =>
        group.MapGet("/", HandleAsync)
            .WithName("ListUsers")
            .WithSummary("List users, newest first, optionally filtered by role (admin only).");

    private static async Task<Ok<PagedResponse<UserResponse>>> HandleAsync(
        [AsParameters] ListUsersRequest request, IMediator mediator, CancellationToken ct)
    {
        var query = new ListUsersQuery(request.Role, request.Limit ?? Paging.DefaultLimit, request.Offset ?? 0);
        return TypedResults.Ok(await mediator.Send(query, ct));
    }
}
