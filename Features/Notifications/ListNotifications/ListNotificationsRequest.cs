using FluentValidation;
using SupportDesk.Infrastructure.Http;

namespace SupportDesk.Features.Notifications.ListNotifications;

public sealed record ListNotificationsRequest(bool? Unread, int? Limit, int? Offset);

public sealed class ListNotificationsValidator : AbstractValidator<ListNotificationsRequest>
{
    public ListNotificationsValidator()
    {
        RuleFor(r => r.Limit).InclusiveBetween(1, Paging.MaxLimit);
        RuleFor(r => r.Offset).InclusiveBetween(0, Paging.MaxOffset);
    }
}
