using FluentValidation;
using Microsoft.AspNetCore.Mvc;
using SupportDesk.Infrastructure.Email;
using SupportDesk.Infrastructure.Http;
using SupportDesk.Infrastructure.OpenApi;

namespace SupportDesk.Features.Email.ListEmailOutbox;

public sealed record ListEmailOutboxRequest([OpenApiEnum(EmailOutboxStatus.Pending, EmailOutboxStatus.Sending, EmailOutboxStatus.Sent, EmailOutboxStatus.Failed)] string? Status, [FromQuery(Name = "ticket_id")] Guid? TicketId, int? Limit, int? Offset);

public sealed class ListEmailOutboxValidator : AbstractValidator<ListEmailOutboxRequest>
{
    public ListEmailOutboxValidator()
    {
        RuleFor(r => r.Status)
            .Must(s => s is null || EmailOutboxStatus.All.Contains(s))
            .WithMessage($"'{{PropertyName}}' must be one of: {string.Join(", ", EmailOutboxStatus.All)}.");
        RuleFor(r => r.Limit).InclusiveBetween(1, Paging.MaxLimit);
        RuleFor(r => r.Offset).InclusiveBetween(0, Paging.MaxOffset);
    }
}
