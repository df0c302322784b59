using Mediator;
using Microsoft.AspNetCore.Http.HttpResults;

namespace SupportDesk.Features.KnowledgeBase.DeleteArticle;

public static class DeleteArticleEndpoint
{
    public static void MapDeleteArticle(this RouteGroupBuilder group) =>
        group.MapDelete("/{id:guid}", HandleAsync)
            .WithName("DeleteArticle")
            .WithSummary("Delete an article for good (agent or admin).");

    private static async Task<NoContent> HandleAsync(Guid id, IMediator mediator, CancellationToken ct)
    {
        await mediator.Send(new DeleteArticleCommand(id), ct);
        return TypedResults.NoContent();
    }
}
