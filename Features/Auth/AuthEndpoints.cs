using SupportDesk.Features.Auth.Login;
using SupportDesk.Features.Auth.Me;
using SupportDesk.Features.Auth.Register;

namespace SupportDesk.Features.Auth;

public static class AuthEndpoints
{
    public static IEndpointRouteBuilder MapAuth(this IEndpointRouteBuilder routes)
    {
        var group = routes.MapGroup("/auth").WithTags("Auth");
        group.MapRegister();
        group.MapLogin();
        group.MapMe();
        return routes;
    }
}
