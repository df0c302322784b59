using FluentValidation;

namespace SupportDesk.Features.Tickets.CreateTicketField;

/// <summary>A new custom field. key and type are fixed once created; options only for dropdown and multi_select.</summary>
public sealed record CreateTicketFieldRequest(
    string Key = "",
    string Label = "",
    TicketFieldType? Type = null,
    TicketFieldOption[]? Options = null,
    bool RequiredOnCreate = false,
    bool RequiredToResolve = false,
    bool CustomerVisible = false,
    bool CustomerEditable = false,
    int Position = 0);

public sealed class CreateTicketFieldValidator : AbstractValidator<CreateTicketFieldRequest>
{
    public CreateTicketFieldValidator()
    {
        RuleFor(r => r.Key).ValidFieldKey();
        RuleFor(r => r.Label).ValidFieldLabel();
        RuleFor(r => r.Type).NotNull();
        RuleFor(r => r.Options).ValidOptions();
        RuleFor(r => r.Position).ValidPosition();
    }
}
