using Mediator;
using Microsoft.AspNetCore.Http.HttpResults;
using SupportDesk.Infrastructure.RateLimiting;

namespace SupportDesk.Features.Auth.ForgotPassword;

public static class ForgotPasswordEndpoint
{
    public sealed record ForgotPasswordResponse(string Message);

    public static void MapForgotPassword(this RouteGroupBuilder group) =>
        group.MapPost("/forgot-password", HandleAsync)
            .AllowAnonymous()
            .RequireRateLimiting(RateLimitSetup.AuthPolicy)
            .WithName("ForgotPassword")
            .WithSummary("Email a one-time, expiring reset token. Answers the same whether or not the email has an account.");

    private static async Task<Accepted<ForgotPasswordResponse>> HandleAsync(
        ForgotPasswordRequest request, AccountBudgets budgets, IMediator mediator, CancellationToken ct)
    {
        // Its own budget, never the sign-in one; over it no email goes out, and the answer is the same.
        if (await budgets.TryTakeResetEmailAsync(request.Email, ct))
            await mediator.Send(new ForgotPasswordCommand(request.Email), ct);
        return TypedResults.Accepted((string?)null, new ForgotPasswordResponse("If an account exists for this email, a reset link is on its way."));
    }
}
