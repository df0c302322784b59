using Mediator;
using Microsoft.AspNetCore.Http.HttpResults;
using SupportDesk.Features.KnowledgeBase.CreateArticle;

namespace SupportDesk.Features.KnowledgeBase.UpdateArticle;

public static class UpdateArticleEndpoint
{
    public static void MapUpdateArticle(this RouteGroupBuilder group)
    {
        group.MapPut("/{id:guid}", ReplaceAsync)
            .WithName("ReplaceArticle")
            .WithSummary("Replace an article's fields (agent or admin); the body is the create body. The slug stays.");
        group.MapPatch("/{id:guid}", PatchAsync)
            .WithName("PatchArticle")
            .WithSummary("Change some of an article's fields (agent or admin). The slug stays.");
    }

    private static async Task<Ok<ArticleResponse>> ReplaceAsync(Guid id, CreateArticleRequest request, IMediator mediator, CancellationToken ct) =>
        TypedResults.Ok(await mediator.Send(new UpdateArticleCommand(
            id, request.Title, request.Content, request.Category, request.Tags ?? [], request.IsPublished), ct));

    private static async Task<Ok<ArticleResponse>> PatchAsync(Guid id, PatchArticleRequest request, IMediator mediator, CancellationToken ct) =>
        TypedResults.Ok(await mediator.Send(new UpdateArticleCommand(
            id, request.Title, request.Content, request.Category, request.Tags, request.IsPublished), ct));
}
