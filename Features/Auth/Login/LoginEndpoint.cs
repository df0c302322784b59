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

    private static async Task<Ok<AuthResponse>> HandleAsync(
        LoginRequest request, HttpContext http, AccountBudgets budgets, IMediator mediator, CancellationToken ct)
    {
        // Taken before the password is checked, so parallel guesses cannot pass the budget; a success gives it back.
        var attempt = await budgets.BeginSignInAsync(request.Email, http.Connection.RemoteIpAddress, ct);
        var response = await mediator.Send(new LoginCommand(request.Email, request.Password), ct);
        await budgets.SignedInAsync(attempt, response.User.Id, ct);
        return TypedResults.Ok(response);
    }
}
