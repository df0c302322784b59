using Mediator;
using Microsoft.AspNetCore.Http.HttpResults;

namespace SupportDesk.Features.Auth.Login;

public static class LoginEndpoint
{
    public static void MapLogin(this RouteGroupBuilder group) =>
        group.MapPost("/login", HandleAsync)
            .AllowAnonymous()
            .WithName("Login")
            .WithSummary("Exchange email and password for a bearer token.");

    private static async Task<Ok<AuthResponse>> HandleAsync(LoginRequest request, IMediator mediator, CancellationToken ct) =>
        TypedResults.Ok(await mediator.Send(new LoginCommand(request.Email, request.Password), ct));
}
