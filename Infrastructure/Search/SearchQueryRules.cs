using FluentValidation;

namespace SupportDesk.Infrastructure.Search;

/// <summary>What a free-text query and a search page may be, for every route that searches.</summary>
public static class SearchQueryRules
{
    /// <summary>Longer queries are refused (400): nobody types more, and it bounds the tsquery's size.</summary>
    public const int MaxQueryLength = 256;

    public const int DefaultLimit = 20;
    public const int MaxLimit = 50;
    public const int MaxOffset = FullTextSql.CandidateLimit - 1;

    /// <summary>The rules for a free-text query parameter (query, or q on /tickets).</summary>
    public static IRuleBuilderOptions<T, string?> ValidSearchQuery<T>(this IRuleBuilder<T, string?> rule) =>
        rule.NotEmpty()
            .MaximumLength(MaxQueryLength)
            .Must(IsWellFormedText).WithMessage("'{PropertyName}' must be text without NUL characters or broken Unicode.");

    private static bool IsWellFormedText(string? text)
    {
        if (text is null)
            return true;
        if (text.Contains('\0'))
            return false;
        for (var i = 0; i < text.Length; i++)
        {
            if (char.IsHighSurrogate(text[i]) && i + 1 < text.Length && char.IsLowSurrogate(text[i + 1]))
                i++;
            else if (char.IsSurrogate(text[i]))
                return false;
        }
        return true;
    }
}
