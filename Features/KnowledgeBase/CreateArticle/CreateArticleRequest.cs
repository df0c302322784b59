using FluentValidation;

namespace SupportDesk.Features.KnowledgeBase.CreateArticle;

/// <summary>The spec's body. Articles start as drafts unless is_published is true. Also the body of PUT (a full replacement).</summary>
public sealed record CreateArticleRequest(
    string Title = "", string Content = "", string Category = "", string[]? Tags = null, bool IsPublished = false);

public sealed class CreateArticleValidator : AbstractValidator<CreateArticleRequest>
{
    public CreateArticleValidator()
    {
        RuleFor(r => r.Title).ValidTitle();
        RuleFor(r => r.Content).ValidContent();
        RuleFor(r => r.Category).ValidCategory();
        RuleFor(r => r.Tags).ValidTags();
    }
}
