using SupportDesk.Features.Notifications.GetUnreadCount;
using SupportDesk.Features.Notifications.ListNotifications;
using SupportDesk.Features.Notifications.MarkAllNotificationsRead;
using SupportDesk.Features.Notifications.MarkNotificationRead;
using SupportDesk.Infrastructure.Auth;

// The area is not called "Notifications": a namespace SupportDesk.Features.Notifications would shadow the
// Infrastructure.Realtime.Notifications service in every SupportDesk.Features.* file that uses it.
namespace SupportDesk.Features.Notifications;

/// <summary>The signed-in user's own stored notifications; nobody sees another user's.</summary>
public static class NotificationsEndpoints
{
    public static IEndpointRouteBuilder MapNotifications(this IEndpointRouteBuilder routes)
    {
        var group = routes.MapGroup("/notifications")
            .WithTags("Notifications")
            .RequireAuthorization(Policies.Authenticated);

        group.MapListNotifications();
        group.MapGetUnreadCount();
        group.MapMarkAllNotificationsRead();
        group.MapMarkNotificationRead();
        return routes;
    }
}
