using System.Security.Claims;
using Mediator;
using Microsoft.AspNetCore.Http.HttpResults;
using SupportDesk.Infrastructure.Auth;
using SupportDesk.Infrastructure.Notifications;

namespace SupportDesk.Features.Notifications.MarkNotificationRead;

public static class MarkNotificationReadEndpoint
{
    public static void MapMarkNotificationRead(this RouteGroupBuilder group) =>
        group.MapPost("/{id:guid}/read", HandleAsync)
            .WithName("MarkNotificationRead")
            .WithSummary("Mark one of my notifications read (idempotent); another user's is 404.");

    private static async Task<Ok<NotificationResponse>> HandleAsync(Guid id, ClaimsPrincipal principal, IMediator mediator, CancellationToken ct) =>
        TypedResults.Ok(await mediator.Send(new MarkNotificationReadCommand(principal.ToCurrentUser().Id, id), ct));
}
