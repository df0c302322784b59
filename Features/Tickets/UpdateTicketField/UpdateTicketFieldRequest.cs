using System.Text.Json.Serialization;
using FluentValidation;
using SupportDesk.Infrastructure.Json;
using SupportDesk.Infrastructure.OpenApi;

namespace SupportDesk.Features.Tickets.UpdateTicketField;

/// <summary>
/// A partial update: absent fields stay. key and type are not fields of this type, so they cannot change (unknown
/// fields are refused). options replaces the whole list: keep an option's value to rename its label; a removed
/// option's value stays on the tickets that hold it and is refused on new writes.
/// </summary>
public sealed record UpdateTicketFieldRequest
{
    [OpenApiNotNull] public Optional<string> Label { get; init; }
    [OpenApiNotNull] public Optional<TicketFieldOption[]> Options { get; init; }
    [OpenApiNotNull] public Optional<bool?> RequiredOnCreate { get; init; }
    [OpenApiNotNull] public Optional<bool?> RequiredToResolve { get; init; }
    [OpenApiNotNull] public Optional<bool?> CustomerVisible { get; init; }
    [OpenApiNotNull] public Optional<bool?> CustomerEditable { get; init; }
    [OpenApiNotNull] public Optional<int?> Position { get; init; }

    [JsonIgnore]
    public bool IsEmpty => !(Label.IsSet || Options.IsSet || RequiredOnCreate.IsSet || RequiredToResolve.IsSet
                             || CustomerVisible.IsSet || CustomerEditable.IsSet || Position.IsSet);
}

public sealed class UpdateTicketFieldValidator : AbstractValidator<UpdateTicketFieldRequest>
{
    public UpdateTicketFieldValidator()
    {
        RuleFor(r => r.Label.Value).NotNull().ValidFieldLabel().OverridePropertyName("label").When(r => r.Label.IsSet);
        RuleFor(r => r.Options.Value).NotNull().ValidOptions().OverridePropertyName("options").When(r => r.Options.IsSet);
        RuleFor(r => r.RequiredOnCreate.Value).NotNull().OverridePropertyName("required_on_create").When(r => r.RequiredOnCreate.IsSet);
        RuleFor(r => r.RequiredToResolve.Value).NotNull().OverridePropertyName("required_to_resolve").When(r => r.RequiredToResolve.IsSet);
        RuleFor(r => r.CustomerVisible.Value).NotNull().OverridePropertyName("customer_visible").When(r => r.CustomerVisible.IsSet);
        RuleFor(r => r.CustomerEditable.Value).NotNull().OverridePropertyName("customer_editable").When(r => r.CustomerEditable.IsSet);
        RuleFor(r => r.Position.Value).NotNull().InclusiveBetween(0, CustomFieldRules.MaxPosition).OverridePropertyName("position").When(r => r.Position.IsSet);
        RuleFor(r => r).Must(r => !r.IsEmpty).OverridePropertyName("body")
            .WithMessage("Give at least one of label, options, required_on_create, required_to_resolve, customer_visible, customer_editable, position.");
    }
}
