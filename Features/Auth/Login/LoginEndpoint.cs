using Mediator;
using Microsoft.AspNetCore.Http.HttpResults;
using SupportDesk.Infrastructure.OpenApi;
using SupportDesk.Infrastructure.RateLimiting;

namespace SupportDesk.Features.Auth.Login;

public static class LoginEndpoint
{
    public static void MapLogin(this RouteGroupBuilder group) =>
        group.MapPost("/login", HandleAsync)
            .AllowAnonymous()
            .RequireRateLimiting(RateLimitSetup.AuthPolicy)
            .WithName("Login")
            .ProducesProblems(StatusCodes.Status401Unauthorized)
            .WithSummary("Exchange email and password for a bearer token.");

    private static async Task<Ok<AuthResponse>> HandleAsync(LoginRequest request, EmailThrottle throttle, IMediator mediator, CancellationToken ct)
    {
        throttle.Acquire(request.Email);
        return TypedResults.Ok(await mediator.Send(new LoginCommand(request.Email, request.Password), ct));
    }
}
