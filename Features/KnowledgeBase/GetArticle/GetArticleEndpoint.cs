using System.Security.Claims;
using Mediator;
using Microsoft.AspNetCore.Http.HttpResults;

namespace SupportDesk.Features.KnowledgeBase.GetArticle;

public static class GetArticleEndpoint
{
    public static void MapGetArticle(this RouteGroupBuilder group)
    {
        group.MapGet("/{id:guid}", ByIdAsync)
            .WithName("GetArticle")
            .WithSummary("Read an article and count the view. A draft is 404 to anyone but staff.");
        group.MapGet("/slug/{slug}", BySlugAsync)
            .WithName("GetArticleBySlug")
            .WithSummary("Read an article by its slug and count the view. A draft is 404 to anyone but staff.");
    }

    private static async Task<Ok<ArticleResponse>> ByIdAsync(Guid id, ClaimsPrincipal principal, IMediator mediator, CancellationToken ct) =>
        TypedResults.Ok(await mediator.Send(new GetArticleCommand(id, null, principal.SeesDrafts()), ct));

    private static async Task<Ok<ArticleResponse>> BySlugAsync(string slug, ClaimsPrincipal principal, IMediator mediator, CancellationToken ct) =>
        TypedResults.Ok(await mediator.Send(new GetArticleCommand(null, slug, principal.SeesDrafts()), ct));
}
