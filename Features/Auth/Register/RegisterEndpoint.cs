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

    private static async Task<Created<AuthResponse>> HandleAsync(RegisterRequest request, EmailThrottle throttle, IMediator mediator, CancellationToken ct)
    {
        throttle.Acquire(request.Email);
        var response = await mediator.Send(new RegisterCommand(request.Email, request.Password, request.FirstName, request.LastName), ct);
        return TypedResults.Created("/auth/me", response);
    }
}
