using System.Security.Claims;
using Mediator;
using Microsoft.AspNetCore.Http.HttpResults;
using SupportDesk.Infrastructure.Auth;
using SupportDesk.Infrastructure.Search;

namespace SupportDesk.Features.Search.GlobalSearch;

public static class GlobalSearchEndpoint
{
    public static void MapGlobalSearch(this RouteGroupBuilder group) =>
        group.MapGet("/global", HandleAsync)
            .WithName("GlobalSearch")
            .WithSummary("One ranked list of the tickets (by title, description or comments) and articles the caller may see.");

    private static async Task<Ok<GlobalSearchResponse>> HandleAsync(
        [AsParameters] GlobalSearchRequest request, ClaimsPrincipal principal, IMediator mediator, CancellationToken ct)
    {
        var query = new GlobalSearchQuery(principal.ToCurrentUser(), request.Query!,
            request.Limit ?? SearchQueryRules.DefaultLimit, request.Offset ?? 0);
        return TypedResults.Ok(await mediator.Send(query, ct));
    }
}
