using Mediator;
using Microsoft.AspNetCore.Http.HttpResults;
using SupportDesk.Infrastructure.OpenApi;
using SupportDesk.Infrastructure.RateLimiting;

namespace SupportDesk.Features.Auth.Refresh;

public static class RefreshEndpoint
{
    public static void MapRefresh(this RouteGroupBuilder group) =>
        group.MapPost("/refresh", HandleAsync)
            .AllowAnonymous()
            .RequireRateLimiting(RateLimitSetup.AuthPolicy)
            .WithName("Refresh")
            .ProducesProblems(StatusCodes.Status401Unauthorized)
            .WithSummary("Trade a refresh token for a new access + refresh pair. The old refresh token is retired; using it again revokes the whole session.");

    private static async Task<Ok<AuthResponse>> HandleAsync(RefreshRequest request, IMediator mediator, CancellationToken ct) =>
        TypedResults.Ok(await mediator.Send(new RefreshCommand(request.RefreshToken), ct));
}
