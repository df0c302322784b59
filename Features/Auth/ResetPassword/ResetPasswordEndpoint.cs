using Mediator;
using Microsoft.AspNetCore.Http.HttpResults;
using SupportDesk.Infrastructure.RateLimiting;

namespace SupportDesk.Features.Auth.ResetPassword;

public static class ResetPasswordEndpoint
{
    public static void MapResetPassword(this RouteGroupBuilder group) =>
        group.MapPost("/reset-password", HandleAsync)
            .AllowAnonymous()
            .RequireRateLimiting(RateLimitSetup.AuthPolicy)
            .WithName("ResetPassword")
            .WithSummary("Set a new password with a reset token. The token works once; every session of the account ends.");

    private static async Task<NoContent> HandleAsync(ResetPasswordRequest request, IMediator mediator, CancellationToken ct)
    {
        await mediator.Send(new ResetPasswordCommand(request.Token, request.NewPassword), ct);
        return TypedResults.NoContent();
    }
}
