using SupportDesk.Features.RoutingRules.CreateRoutingRule;
using SupportDesk.Features.RoutingRules.DeleteRoutingRule;
using SupportDesk.Features.RoutingRules.ListRoutingRules;
using SupportDesk.Features.RoutingRules.UpdateRoutingRule;
using SupportDesk.Infrastructure.Auth;

namespace SupportDesk.Features.RoutingRules;

public static class RoutingRulesEndpoints
{
    public static IEndpointRouteBuilder MapRoutingRules(this IEndpointRouteBuilder routes)
    {
        var group = routes.MapGroup("/routing-rules").WithTags("Routing rules").RequireAuthorization(Policies.Admin);
        group.MapListRoutingRules();
        group.MapCreateRoutingRule();
        group.MapUpdateRoutingRule();
        group.MapDeleteRoutingRule();
        return routes;
    }
}
