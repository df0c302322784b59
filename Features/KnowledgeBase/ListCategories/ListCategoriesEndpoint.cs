using System.Security.Claims;
using Mediator;
using Microsoft.AspNetCore.Http.HttpResults;

namespace SupportDesk.Features.KnowledgeBase.ListCategories;

public static class ListCategoriesEndpoint
{
    public static void MapListCategories(this RouteGroupBuilder group) =>
        group.MapGet("/categories", HandleAsync)
            .WithName("ListArticleCategories")
            .WithSummary("Categories with the number of articles the caller can see in each (drafts count for staff only).");

    private static async Task<Ok<CategoriesResponse>> HandleAsync(ClaimsPrincipal principal, IMediator mediator, CancellationToken ct) =>
        TypedResults.Ok(await mediator.Send(new ListCategoriesQuery(principal.SeesDrafts()), ct));
}
