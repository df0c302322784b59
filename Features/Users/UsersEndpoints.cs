using SupportDesk.Features.Users.CreateUser;
using SupportDesk.Features.Users.EnsureAdmin;
using SupportDesk.Features.Users.GetUser;
using SupportDesk.Features.Users.ListUsers;
using SupportDesk.Features.Users.SetAvailability;
using SupportDesk.Features.Users.UpdateUser;
using SupportDesk.Infrastructure.Auth;

namespace SupportDesk.Features.Users;

public static class UsersEndpoints
{
    public static IServiceCollection AddUsers(this IServiceCollection services) =>
        services.AddSingleton<IAdminBootstrap, EnsureAdminBootstrap>();

    public static IEndpointRouteBuilder MapUsers(this IEndpointRouteBuilder routes)
    {
        var group = routes.MapGroup("/users")
            .WithTags("Users")
            .RequireAuthorization(Policies.Admin);

        group.MapListUsers();
        group.MapGetUser();
        group.MapCreateUser();
        group.MapUpdateUser();

        // What staff set about themselves.
        var me = routes.MapGroup("/me").WithTags("Users").RequireAuthorization(Policies.AgentOrAdmin);
        me.MapSetAvailability();
        return routes;
    }
}
