using FluentValidation;
using SupportDesk.Infrastructure.Json;

namespace SupportDesk.Features.Tickets.AssignTicket;

/// <summary>assignee_id is required; null (explicitly) unassigns.</summary>
public sealed record AssignTicketRequest
{
    public Optional<Guid?> AssigneeId { get; init; }
}

public sealed class AssignTicketValidator : AbstractValidator<AssignTicketRequest>
{
    public AssignTicketValidator()
    {
        RuleFor(r => r.AssigneeId.IsSet).Equal(true).OverridePropertyName("assignee_id").WithMessage("'assignee_id' is required (null unassigns).");
        RuleFor(r => r.AssigneeId.Value).NotEqual(Guid.Empty).OverridePropertyName("assignee_id");
    }
}
