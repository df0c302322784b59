using FluentValidation;
using SupportDesk.Infrastructure.Search;

namespace SupportDesk.Features.KnowledgeBase.SearchArticles;

public sealed record SearchArticlesRequest(string? Query, string? Category, int? Limit, int? Offset);

public sealed class SearchArticlesValidator : AbstractValidator<SearchArticlesRequest>
{
    public SearchArticlesValidator()
    {
        RuleFor(r => r.Query).ValidSearchQuery();
        RuleFor(r => r.Category).MaximumLength(ArticleRules.MaxCategory);
        RuleFor(r => r.Limit).InclusiveBetween(1, SearchQueryRules.MaxLimit);
        RuleFor(r => r.Offset).InclusiveBetween(0, SearchQueryRules.MaxOffset);
    }
}
