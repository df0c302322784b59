using FluentValidation;
using SupportDesk.Infrastructure.Json;

namespace SupportDesk.Infrastructure.Validation;

/// <summary>The rule for single-line fields (names, email, title, category, tags, subject): see <see cref="TextInput.IsSingleLine"/>.</summary>
public static class TextRules
{
    public const string SingleLineMessage =
        "'{PropertyName}' must be one line of text: no line breaks, tabs, other control characters or Unicode non-characters.";

    // Generic over the text type so it chains after rules on string and on string? alike (nullability differs, not the type).
    public static IRuleBuilderOptions<T, TText> SingleLine<T, TText>(this IRuleBuilder<T, TText> rule) where TText : IEnumerable<char>? =>
        rule.Must(text => text is not string value || TextInput.IsSingleLine(value)).WithMessage(SingleLineMessage);

    /// <summary>The same rule for each element of a list (tags).</summary>
    public static IRuleBuilderOptions<T, string[]?> EachSingleLine<T>(this IRuleBuilder<T, string[]?> rule) =>
        rule.Must(items => items is null || Array.TrueForAll(items, TextInput.IsSingleLine))
            .WithMessage("Each of '{PropertyName}' must be one line of text: no line breaks, tabs, other control characters or Unicode non-characters.");
}
