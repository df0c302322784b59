using System.Security.Claims;
using Mediator;
using Microsoft.AspNetCore.Http.HttpResults;
using SupportDesk.Infrastructure.Http;

namespace SupportDesk.Features.KnowledgeBase.ListArticles;

public static class ListArticlesEndpoint
{
    public static void MapListArticles(this RouteGroupBuilder group) =>
        group.MapGet("/", HandleAsync)
            .WithName("ListArticles")
            .WithSummary("List articles, newest first, by category, tag and published state. Only staff see drafts.");

    private static async Task<Ok<PagedResponse<ArticleSummary>>> HandleAsync(
        [AsParameters] ListArticlesRequest request, ClaimsPrincipal principal, IMediator mediator, CancellationToken ct)
    {
        var query = new ListArticlesQuery(principal.SeesDrafts(), request.Category?.Trim(),
            request.Tag is null ? null : ArticleRules.NormalizeTag(request.Tag), request.Published,
            request.Limit ?? Paging.DefaultLimit, request.Offset ?? 0);
        return TypedResults.Ok(await mediator.Send(query, ct));
    }
}
