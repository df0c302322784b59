using System.Text;
using FluentValidation;
using SupportDesk.Infrastructure.Validation;

namespace SupportDesk.Features.KnowledgeBase;

/// <summary>Field rules and normalisation shared by the slices that write articles.</summary>
public static class ArticleRules
{
    public const int MaxTitle = 200;
    public const int MaxContent = 100_000;
    public const int MaxCategory = 100;
    public const int MaxTags = 20;
    public const int MaxTagLength = 50;
    public const int MaxSlugBase = 80;

    public static IRuleBuilderOptions<T, string> ValidTitle<T>(this IRuleBuilder<T, string> rule) =>
        rule.NotEmpty().MaximumLength(MaxTitle).Must(t => t.Trim().Length > 0).WithMessage("'{PropertyName}' must not be blank.").SingleLine();

    public static IRuleBuilderOptions<T, string> ValidContent<T>(this IRuleBuilder<T, string> rule) =>
        rule.NotEmpty().MaximumLength(MaxContent).Must(NoNul).WithMessage("'{PropertyName}' must not contain NUL characters.");

    public static IRuleBuilderOptions<T, string> ValidCategory<T>(this IRuleBuilder<T, string> rule) =>
        rule.NotEmpty().MaximumLength(MaxCategory).Must(c => c.Trim().Length > 0).WithMessage("'{PropertyName}' must not be blank.").SingleLine();

    public static IRuleBuilderOptions<T, string[]?> ValidTags<T>(this IRuleBuilder<T, string[]?> rule) =>
        rule.Must(tags => tags is null || tags.Length <= MaxTags)
            .WithMessage($"'{{PropertyName}}' may hold at most {MaxTags} tags.")
            .Must(tags => tags is null || tags.All(t => t is not null && t.Trim().Length is > 0 and <= MaxTagLength))
            .WithMessage($"Each tag must be 1 to {MaxTagLength} characters.")
            .EachSingleLine();

    private static bool NoNul(string text) => !text.Contains('\0');

    /// <summary>Tags compare case-insensitively, so they are stored trimmed, lower-case and once each (as on tickets).</summary>
    public static string[] NormalizeTags(IEnumerable<string>? tags) =>
        tags is null ? [] : tags.Select(t => t.Trim().ToLowerInvariant()).Distinct().ToArray();

    public static string NormalizeTag(string tag) => tag.Trim().ToLowerInvariant();

    // Latin letters with marks, folded by hand: the service runs with invariant globalization, where
    // string.Normalize does not decompose them. Anything else (other scripts, symbols) separates words.
    private static readonly Dictionary<char, string> Folding = BuildFolding();

    private static Dictionary<char, string> BuildFolding()
    {
        var map = new Dictionary<char, string>();
        void Add(string letters, string ascii)
        {
            foreach (var c in letters)
                map[c] = ascii;
        }
        Add("àáâãäåāăąǎ", "a"); Add("çćĉċč", "c"); Add("ďđ", "d"); Add("èéêëēĕėęě", "e"); Add("ĝğġģ", "g");
        Add("ĥħ", "h"); Add("ìíîïĩīĭįı", "i"); Add("ĵ", "j"); Add("ķ", "k"); Add("ĺļľŀł", "l"); Add("ñńņňŉ", "n");
        Add("òóôõöøōŏő", "o"); Add("ŕŗř", "r"); Add("śŝşšș", "s"); Add("ţťŧț", "t"); Add("ùúûüũūŭůűų", "u");
        Add("ŵ", "w"); Add("ýÿŷ", "y"); Add("źżž", "z"); Add("ß", "ss"); Add("æ", "ae"); Add("œ", "oe"); Add("þ", "th"); Add("ð", "d");
        return map;
    }

    /// <summary>"Réinitialiser le mot de passe (v2)!" → "reinitialiser-le-mot-de-passe-v2"; "article" when nothing is left.</summary>
    public static string SlugBase(string title)
    {
        var slug = new StringBuilder(Math.Min(title.Length, MaxSlugBase));
        var pendingDash = false;
        foreach (var c in title)
        {
            var lower = char.ToLowerInvariant(c);
            var ascii = lower is >= 'a' and <= 'z' or >= '0' and <= '9' ? lower.ToString() : Folding.GetValueOrDefault(lower);
            if (ascii is null)
            {
                pendingDash = true;
                continue;
            }
            if (pendingDash && slug.Length > 0)
                slug.Append('-');
            pendingDash = false;
            slug.Append(ascii);
            if (slug.Length >= MaxSlugBase)
                break;
        }
        var result = slug.ToString()[..Math.Min(slug.Length, MaxSlugBase)].TrimEnd('-');
        return result.Length == 0 ? "article" : result;
    }
}
