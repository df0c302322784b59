using SupportDesk.Features.Users.CreateUser;
using SupportDesk.Features.Users.EnsureAdmin;
using SupportDesk.Features.Users.GetUser;
using SupportDesk.Features.Users.ListUsers;
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
        return routes;
    }
}
