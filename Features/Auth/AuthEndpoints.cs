using SupportDesk.Features.Auth.Login;
using SupportDesk.Features.Auth.Me;
using SupportDesk.Features.Auth.Register;
using SupportDesk.Features.Auth.Refresh;
using SupportDesk.Features.Auth.Logout;
using SupportDesk.Features.Auth.ChangePassword;
using SupportDesk.Features.Auth.ForgotPassword;
using SupportDesk.Features.Auth.ResetPassword;

namespace SupportDesk.Features.Auth;

public static class AuthEndpoints
{
    public static IServiceCollection AddAuthSlices(this IServiceCollection services) =>
        services.AddSingleton<AuthSessions>();

    public static IEndpointRouteBuilder MapAuth(this IEndpointRouteBuilder routes)
    {
        var group = routes.MapGroup("/auth").WithTags("Auth");
        group.MapRegister();
        group.MapLogin();
        group.MapMe();
        group.MapRefresh();
        group.MapLogout();
        group.MapChangePassword();
        group.MapForgotPassword();
        group.MapResetPassword();
        return routes;
    }
}
