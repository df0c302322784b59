using System.Security.Claims;
using Mediator;
using Microsoft.AspNetCore.Http.HttpResults;
using SupportDesk.Infrastructure.Search;

namespace SupportDesk.Features.KnowledgeBase.SearchArticles;

public static class SearchArticlesEndpoint
{
    public static void MapSearchArticles(this RouteGroupBuilder group) =>
        group.MapGet("/search", HandleAsync)
            .WithName("SearchArticles")
            .WithSummary("Full-text search of articles (quotes, or, -word), best first, with a highlighted snippet. Only staff find drafts.");

    private static async Task<Ok<ArticleSearchResponse>> HandleAsync(
        [AsParameters] SearchArticlesRequest request, ClaimsPrincipal principal, IMediator mediator, CancellationToken ct)
    {
        var query = new SearchArticlesQuery(request.Query!, request.Category?.Trim(), principal.SeesDrafts(),
            request.Limit ?? SearchQueryRules.DefaultLimit, request.Offset ?? 0);
        return TypedResults.Ok(await mediator.Send(query, ct));
    }
}
