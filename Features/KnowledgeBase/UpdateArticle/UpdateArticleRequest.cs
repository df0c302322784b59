using FluentValidation;

namespace SupportDesk.Features.KnowledgeBase.UpdateArticle;

/// <summary>PATCH body: absent (or null) fields stay as they are. The slug stays too, so links keep working.</summary>
public sealed record PatchArticleRequest(
    string? Title = null, string? Content = null, string? Category = null, string[]? Tags = null, bool? IsPublished = null);

public sealed class PatchArticleValidator : AbstractValidator<PatchArticleRequest>
{
    public PatchArticleValidator()
    {
        RuleFor(r => r.Title!).ValidTitle().When(r => r.Title is not null);
        RuleFor(r => r.Content!).ValidContent().When(r => r.Content is not null);
        RuleFor(r => r.Category!).ValidCategory().When(r => r.Category is not null);
        RuleFor(r => r.Tags).ValidTags();
        RuleFor(r => r)
            .Must(r => r.Title is not null || r.Content is not null || r.Category is not null || r.Tags is not null || r.IsPublished is not null)
            .OverridePropertyName("body")
            .WithMessage("Give at least one of title, content, category, tags, is_published.");
    }
}
