using FluentValidation;
using SupportDesk.Infrastructure.Http;

namespace SupportDesk.Features.KnowledgeBase.ListArticles;

public sealed record ListArticlesRequest(string? Category, string? Tag, bool? Published, int? Limit, int? Offset);

public sealed class ListArticlesValidator : AbstractValidator<ListArticlesRequest>
{
    public ListArticlesValidator()
    {
        RuleFor(r => r.Category).MaximumLength(ArticleRules.MaxCategory);
        RuleFor(r => r.Tag).MaximumLength(ArticleRules.MaxTagLength);
        RuleFor(r => r.Limit).InclusiveBetween(1, Paging.MaxLimit);
        RuleFor(r => r.Offset).InclusiveBetween(0, Paging.MaxOffset);
    }
}
