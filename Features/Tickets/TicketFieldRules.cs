using FluentValidation;
using SupportDesk.Infrastructure.Validation;

namespace SupportDesk.Features.Tickets;

/// <summary>Field rules shared by create and update.</summary>
public static class TicketFieldRules
{
    public const int MaxTitle = 200;
    public const int MaxDescription = 20000;
    public const int MaxCategory = 100;
    public const int MaxTags = 20;
    public const int MaxTagLength = 50;

    public static IRuleBuilderOptions<T, string> ValidTitle<T>(this IRuleBuilder<T, string> rule) =>
        rule.NotEmpty().MaximumLength(MaxTitle).Must(t => t.Trim().Length > 0).WithMessage("'{PropertyName}' must not be blank.").SingleLine();

    public static IRuleBuilderOptions<T, string> ValidDescription<T>(this IRuleBuilder<T, string> rule) =>
        rule.NotEmpty().MaximumLength(MaxDescription);

    public static IRuleBuilderOptions<T, string?> ValidCategory<T>(this IRuleBuilder<T, string?> rule) =>
        rule.Must(c => c is null || (c.Trim().Length > 0 && c.Length <= MaxCategory))
            .WithMessage($"'{{PropertyName}}' must be 1 to {MaxCategory} characters, or null.")
            .SingleLine();

    public static IRuleBuilderOptions<T, string[]?> ValidTags<T>(this IRuleBuilder<T, string[]?> rule) =>
        rule.Must(tags => tags is null || tags.Length <= MaxTags)
            .WithMessage($"'{{PropertyName}}' may hold at most {MaxTags} tags.")
            .Must(tags => tags is null || tags.All(t => t is not null && t.Trim().Length is > 0 and <= MaxTagLength))
            .WithMessage($"Each tag must be 1 to {MaxTagLength} characters.")
            .EachSingleLine();

    /// <summary>Tags are compared case-insensitively, so they are stored trimmed, lower-case and once each.</summary>
    /// <summary>attachment_ids of a new comment or ticket: a bounded list, each id once.</summary>
    public static IRuleBuilderOptions<T, Guid[]?> ValidAttachmentIds<T>(this IRuleBuilder<T, Guid[]?> rule) =>
        rule.Must(ids => ids is null || ids.Length <= MaxAttachmentIds).WithMessage($"At most {MaxAttachmentIds} attachments at once.")
            .Must(ids => ids is null || ids.Distinct().Count() == ids.Length).WithMessage("Each attachment id may appear once.");

    private const int MaxAttachmentIds = 50;

    public static string[] NormalizeTags(IEnumerable<string>? tags) =>
        tags is null ? [] : tags.Select(t => t.Trim().ToLowerInvariant()).Distinct().ToArray();

    public static string? NormalizeCategory(string? category) => category?.Trim();
}
