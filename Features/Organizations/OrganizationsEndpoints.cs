using SupportDesk.Features.Organizations.CreateOrganization;
using SupportDesk.Features.Organizations.DeleteOrganization;
using SupportDesk.Features.Organizations.GetOrganization;
using SupportDesk.Features.Organizations.ListMembers;
using SupportDesk.Features.Organizations.ListOrganizations;
using SupportDesk.Features.Organizations.SetMember;
using SupportDesk.Features.Organizations.UpdateOrganization;
using SupportDesk.Infrastructure.Auth;

namespace SupportDesk.Features.Organizations;

public static class OrganizationsEndpoints
{
    public static IEndpointRouteBuilder MapOrganizations(this IEndpointRouteBuilder routes)
    {
        var group = routes.MapGroup("/organizations")
            .WithTags("Organizations")
            .RequireAuthorization(Policies.Admin);

        group.MapListOrganizations();
        group.MapGetOrganization();
        group.MapCreateOrganization();
        group.MapUpdateOrganization();
        group.MapDeleteOrganization();
        group.MapListMembers();
        group.MapSetMember();
        return routes;
    }
}
