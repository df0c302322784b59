using Mediator;
using Microsoft.AspNetCore.Http.HttpResults;

namespace SupportDesk.Features.Users.GetUser;

public static class GetUserEndpoint
{
    public static void MapGetUser(this RouteGroupBuilder group) =>
        group.MapGet("/{id:guid}", HandleAsync)
            .WithName("GetUser")
            .WithSummary("Get one user (admin only).");

    private static async Task<Ok<UserResponse>> HandleAsync(Guid id, IMediator mediator, CancellationToken ct) =>
        TypedResults.Ok(await mediator.Send(new UserByIdQuery(id), ct));
}
