using FluentValidation;
using SupportDesk.Infrastructure.Http;
using SupportDesk.Infrastructure.OpenApi;

namespace SupportDesk.Features.Inbound.ListInboundMessages;

public sealed record ListInboundMessagesRequest(
    [OpenApiEnum(InboundMessageStatus.Received, InboundMessageStatus.Processed, InboundMessageStatus.Failed, InboundMessageStatus.Flagged)] string? Status,
    int? Limit, int? Offset);

public sealed class ListInboundMessagesValidator : AbstractValidator<ListInboundMessagesRequest>
{
    public ListInboundMessagesValidator()
    {
        RuleFor(r => r.Status)
            .Must(s => s is null || InboundMessageStatus.All.Contains(s))
            .WithMessage($"'{{PropertyName}}' must be one of: {string.Join(", ", InboundMessageStatus.All)}.");
        RuleFor(r => r.Limit).InclusiveBetween(1, Paging.MaxLimit);
        RuleFor(r => r.Offset).InclusiveBetween(0, Paging.MaxOffset);
    }
}
