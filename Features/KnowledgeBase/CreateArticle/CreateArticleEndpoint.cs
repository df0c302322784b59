using System.Security.Claims;
using Mediator;
using Microsoft.AspNetCore.Http.HttpResults;
using SupportDesk.Infrastructure.Auth;
using SupportDesk.Infrastructure.OpenApi;

namespace SupportDesk.Features.KnowledgeBase.CreateArticle;

public static class CreateArticleEndpoint
{
    public static void MapCreateArticle(this RouteGroupBuilder group) =>
        group.MapPost("/", HandleAsync)
            .WithName("CreateArticle")
            .ProducesProblems(StatusCodes.Status404NotFound) // the author was deleted meanwhile
            .WithSummary("Write an article (agent or admin). Its slug comes from the title; a taken slug gets -2, -3, ….");

    private static async Task<Created<ArticleResponse>> HandleAsync(
        CreateArticleRequest request, ClaimsPrincipal principal, IMediator mediator, CancellationToken ct)
    {
        var article = await mediator.Send(new CreateArticleCommand(
            principal.ToCurrentUser().Id, request.Title, request.Content, request.Category, request.Tags, request.IsPublished), ct);
        return TypedResults.Created($"/knowledge-base/{article.Id}", article);
    }
}
