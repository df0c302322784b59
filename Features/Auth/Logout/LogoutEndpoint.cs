using Mediator;
using Microsoft.AspNetCore.Http.HttpResults;
using SupportDesk.Features.Auth.Refresh;
using SupportDesk.Infrastructure.RateLimiting;

namespace SupportDesk.Features.Auth.Logout;

public static class LogoutEndpoint
{
    public static void MapLogout(this RouteGroupBuilder group) =>
        group.MapPost("/logout", HandleAsync)
            .AllowAnonymous()
            .RequireRateLimiting(RateLimitSetup.AuthPolicy)
            .WithName("Logout")
            .WithSummary("End the session of this refresh token (its whole family). Always 204, so it reveals nothing.");

    private static async Task<NoContent> HandleAsync(RefreshRequest request, IMediator mediator, CancellationToken ct)
    {
        await mediator.Send(new LogoutCommand(request.RefreshToken), ct);
        return TypedResults.NoContent();
    }
}
