using System.Security.Claims;
using Mediator;
using Microsoft.AspNetCore.Http.HttpResults;
using SupportDesk.Infrastructure.Auth;

namespace SupportDesk.Features.Notifications.MarkAllNotificationsRead;

public static class MarkAllNotificationsReadEndpoint
{
    public static void MapMarkAllNotificationsRead(this RouteGroupBuilder group) =>
        group.MapPost("/read-all", HandleAsync)
            .WithName("MarkAllNotificationsRead")
            .WithSummary("Mark all my unread notifications read: { updated }.");

    private static async Task<Ok<MarkAllNotificationsReadResponse>> HandleAsync(ClaimsPrincipal principal, IMediator mediator, CancellationToken ct) =>
        TypedResults.Ok(await mediator.Send(new MarkAllNotificationsReadCommand(principal.ToCurrentUser().Id), ct));
}
