using System.Text.RegularExpressions;
using FluentValidation;
using SupportDesk.Infrastructure.Errors;
using SupportDesk.Infrastructure.Validation;

namespace SupportDesk.Features.Tickets;

/// <summary>What a custom field's definition may hold, shared by create and update.</summary>
public static partial class CustomFieldRules
{
    public const int MaxLabel = 200;
    public const int MaxOptions = 500;
    public const int MaxOptionValue = 100;
    public const int MaxPosition = 1_000_000;

    [GeneratedRegex("^[a-z][a-z0-9_]{0,62}$")]
    public static partial Regex KeyPattern();

    [GeneratedRegex("^[A-Za-z0-9][A-Za-z0-9_.-]{0,99}$")]
    private static partial Regex OptionValuePattern();

    public static IRuleBuilderOptions<T, string> ValidFieldKey<T>(this IRuleBuilder<T, string> rule) =>
        rule.Must(k => k is not null && KeyPattern().IsMatch(k))
            .WithMessage("'{PropertyName}' must be 1 to 63 characters: a lower-case letter, then lower-case letters, digits or _.");

    public static IRuleBuilderOptions<T, string> ValidFieldLabel<T>(this IRuleBuilder<T, string> rule) =>
        rule.NotEmpty().MaximumLength(MaxLabel).Must(l => l.Trim().Length > 0).WithMessage("'{PropertyName}' must not be blank.").SingleLine();

    public static IRuleBuilderOptions<T, TicketFieldOption[]?> ValidOptions<T>(this IRuleBuilder<T, TicketFieldOption[]?> rule) =>
        rule.Must(o => o is null || o.Length <= MaxOptions).WithMessage($"'{{PropertyName}}' may hold at most {MaxOptions} options.")
            .Must(o => o is null || o.All(x => x is not null && OptionValuePattern().IsMatch(x.Value ?? "")))
            .WithMessage($"Each option's value must be 1 to {MaxOptionValue} characters: letters, digits, _ . or -, starting with a letter or digit.")
            .Must(o => o is null || o.All(x => x is not null && x.Label is { } l && l.Trim().Length is > 0 and <= MaxLabel && Infrastructure.Json.TextInput.IsSingleLine(l)))
            .WithMessage($"Each option's label must be one line of 1 to {MaxLabel} characters.")
            .Must(o => o is null || o.Select(x => x?.Value).Distinct().Count() == o.Length)
            .WithMessage("Each option value may appear once.");

    /// <summary>custom_fields of a ticket write: keys shaped like field keys (which field each is, the handler checks).</summary>
    public static IRuleBuilderOptions<T, Dictionary<string, System.Text.Json.JsonElement>?> ValidCustomFieldKeys<T>(
        this IRuleBuilder<T, Dictionary<string, System.Text.Json.JsonElement>?> rule) =>
        rule.Must(v => v is null || v.Count <= MaxValuesPerWrite).WithMessage($"'{{PropertyName}}' may hold at most {MaxValuesPerWrite} values.")
            .Must(v => v is null || v.Keys.All(k => KeyPattern().IsMatch(k)))
            .WithMessage("Each key of '{PropertyName}' must be a ticket field key (a lower-case letter, then lower-case letters, digits or _).");

    public const int MaxValuesPerWrite = 500;

    public static IRuleBuilderOptions<T, int> ValidPosition<T>(this IRuleBuilder<T, int> rule) => rule.InclusiveBetween(0, MaxPosition);

    /// <summary>The rules that tie the parts of a definition together, checked on the definition as it will be stored.</summary>
    public static void EnsureConsistent(string type, IReadOnlyCollection<TicketFieldOption> options, bool customerVisible, bool customerEditable)
    {
        var isChoice = type is "dropdown" or "multi_select";
        if (isChoice && options.Count == 0)
            throw new FieldValidationException("options", $"A {type} field needs at least one option.");
        if (!isChoice && options.Count > 0)
            throw new FieldValidationException("options", $"A {type} field has no options.");
        if (customerEditable && !customerVisible)
            throw new FieldValidationException("customer_editable", "A field customers may edit must be visible to them (customer_visible).");
    }

    public static TicketFieldOption[] Normalize(IEnumerable<TicketFieldOption>? options) =>
        options is null ? [] : options.Select(o => new TicketFieldOption(o.Value, o.Label.Trim())).ToArray();
}
