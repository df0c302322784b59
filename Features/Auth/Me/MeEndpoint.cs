using System.Security.Claims;
using Mediator;
using Microsoft.AspNetCore.Http.HttpResults;
using SupportDesk.Features.Users;
using SupportDesk.Infrastructure.Auth;

namespace SupportDesk.Features.Auth.Me;

public static class MeEndpoint
{
    public static void MapMe(this RouteGroupBuilder group) =>
        group.MapGet("/me", HandleAsync)
            .RequireAuthorization(Policies.Authenticated)
            .WithName("GetMe")
            .WithSummary("The signed-in user.");

    private static async Task<Ok<UserResponse>> HandleAsync(ClaimsPrincipal principal, IMediator mediator, CancellationToken ct) =>
        TypedResults.Ok(await mediator.Send(new UserByIdQuery(principal.ToCurrentUser().Id), ct));
}
