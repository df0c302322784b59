using FluentValidation;
using SupportDesk.Infrastructure.Search;

namespace SupportDesk.Features.Search.GlobalSearch;

public sealed record GlobalSearchRequest(string? Query, int? Limit, int? Offset);

public sealed class GlobalSearchValidator : AbstractValidator<GlobalSearchRequest>
{
    public GlobalSearchValidator()
    {
        RuleFor(r => r.Query).ValidSearchQuery();
        RuleFor(r => r.Limit).InclusiveBetween(1, SearchQueryRules.MaxLimit);
        RuleFor(r => r.Offset).InclusiveBetween(0, SearchQueryRules.MaxOffset);
    }
}
