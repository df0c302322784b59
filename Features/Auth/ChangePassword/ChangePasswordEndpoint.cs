using System.Security.Claims;
using Mediator;
using Microsoft.AspNetCore.Http.HttpResults;
using SupportDesk.Infrastructure.Auth;
using SupportDesk.Infrastructure.RateLimiting;

namespace SupportDesk.Features.Auth.ChangePassword;

public static class ChangePasswordEndpoint
{
    public static void MapChangePassword(this RouteGroupBuilder group) =>
        group.MapPost("/change-password", HandleAsync)
            .RequireAuthorization(Policies.Authenticated)
            .RequireRateLimiting(RateLimitSetup.AuthPolicy)
            .WithName("ChangePassword")
            .WithSummary("Change the password. Every other session and token stops working; the answer is a fresh session.");

    private static async Task<Ok<AuthResponse>> HandleAsync(
        ChangePasswordRequest request, ClaimsPrincipal principal, AccountBudgets budgets, IMediator mediator, CancellationToken ct)
    {
        var user = principal.ToCurrentUser();
        await budgets.TakePerMinuteAsync("change-password", user.Id.ToString(), ct);
        return TypedResults.Ok(await mediator.Send(new ChangePasswordCommand(user.Id, request.CurrentPassword, request.NewPassword), ct));
    }
}
