using SupportDesk.Features.Search.GlobalSearch;
using SupportDesk.Infrastructure.Auth;

namespace SupportDesk.Features.Search;

public static class SearchEndpoints
{
    public static IEndpointRouteBuilder MapSearch(this IEndpointRouteBuilder routes)
    {
        var group = routes.MapGroup("/search")
            .WithTags("Search")
            .RequireAuthorization(Policies.Authenticated);

        group.MapGlobalSearch();
        return routes;
    }
}
