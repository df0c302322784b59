using System.Security.Claims;
using Mediator;
using Microsoft.AspNetCore.Http.HttpResults;
using SupportDesk.Infrastructure.Auth;

namespace SupportDesk.Features.Notifications.GetUnreadCount;

public static class GetUnreadCountEndpoint
{
    public static void MapGetUnreadCount(this RouteGroupBuilder group) =>
        group.MapGet("/unread-count", HandleAsync)
            .WithName("GetUnreadNotificationCount")
            .WithSummary("How many of my notifications are unread: { count }.");

    private static async Task<Ok<UnreadCountResponse>> HandleAsync(ClaimsPrincipal principal, IMediator mediator, CancellationToken ct) =>
        TypedResults.Ok(await mediator.Send(new GetUnreadCountQuery(principal.ToCurrentUser().Id), ct));
}
