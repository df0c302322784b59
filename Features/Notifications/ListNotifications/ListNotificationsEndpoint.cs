using System.Security.Claims;
using Mediator;
using Microsoft.AspNetCore.Http.HttpResults;
using SupportDesk.Infrastructure.Auth;
using SupportDesk.Infrastructure.Http;
using SupportDesk.Infrastructure.Notifications;

namespace SupportDesk.Features.Notifications.ListNotifications;

public static class ListNotificationsEndpoint
{
    public static void MapListNotifications(this RouteGroupBuilder group) =>
        group.MapGet("/", HandleAsync)
            .WithName("ListNotifications")
            .WithSummary("My notifications, newest first; unread=true for only the unread ones.");

    private static async Task<Ok<PagedResponse<NotificationResponse>>> HandleAsync(
        [AsParameters] ListNotificationsRequest request, ClaimsPrincipal principal, IMediator mediator, CancellationToken ct)
    {
        var query = new ListNotificationsQuery(principal.ToCurrentUser().Id, request.Unread ?? false,
            request.Limit ?? Paging.DefaultLimit, request.Offset ?? 0);
        return TypedResults.Ok(await mediator.Send(query, ct));
    }
}
