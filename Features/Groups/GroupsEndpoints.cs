using SupportDesk.Features.Groups.AddGroupMember;
using SupportDesk.Features.Groups.CreateGroup;
using SupportDesk.Features.Groups.DeleteGroup;
using SupportDesk.Features.Groups.GetGroup;
using SupportDesk.Features.Groups.ListGroups;
using SupportDesk.Features.Groups.RemoveGroupMember;
using SupportDesk.Features.Groups.UpdateGroup;
using SupportDesk.Infrastructure.Auth;

namespace SupportDesk.Features.Groups;

public static class GroupsEndpoints
{
    public static IServiceCollection AddGroups(this IServiceCollection services) =>
        services.AddSingleton<IUserAccessNarrowed, GroupMembershipsNarrowed>();

    public static IEndpointRouteBuilder MapGroups(this IEndpointRouteBuilder routes)
    {
        // Staff read groups (to file a ticket in one); only admins shape them.
        var read = routes.MapGroup("/groups").WithTags("Groups").RequireAuthorization(Policies.AgentOrAdmin);
        read.MapListGroups();
        read.MapGetGroup();

        var write = routes.MapGroup("/groups").WithTags("Groups").RequireAuthorization(Policies.Admin);
        write.MapCreateGroup();
        write.MapUpdateGroup();
        write.MapDeleteGroup();
        write.MapAddGroupMember();
        write.MapRemoveGroupMember();
        return routes;
    }
}
