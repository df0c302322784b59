using Mediator;
using Microsoft.AspNetCore.Http.HttpResults;
using SupportDesk.Infrastructure.RateLimiting;

namespace SupportDesk.Features.Auth.Register;

public static class RegisterEndpoint
{
    public static void MapRegister(this RouteGroupBuilder group) =>
        group.MapPost("/register", HandleAsync)
            .AllowAnonymous()
            .RequireRateLimiting(RateLimitSetup.AuthPolicy)
            .WithName("Register")
            .WithSummary("Create a customer account and sign it in.");

    private static async Task<Created<AuthResponse>> HandleAsync(
        RegisterRequest request, HttpContext http, AccountBudgets budgets, IMediator mediator, CancellationToken ct)
    {
        await budgets.TakePerMinuteAsync("register", request.Email, ct);
        var response = await mediator.Send(new RegisterCommand(request.Email, request.Password, request.FirstName, request.LastName), ct);
        await budgets.RememberClientAsync(response.User.Id, http.Connection.RemoteIpAddress, ct);
        return TypedResults.Created("/auth/me", response);
    }
}
