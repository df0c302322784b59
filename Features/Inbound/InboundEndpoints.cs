using SupportDesk.Features.Inbound.GetInboundMessage;
using SupportDesk.Features.Inbound.ListInboundMessages;
using SupportDesk.Features.Inbound.ProcessInbound;
using SupportDesk.Features.Inbound.RetryInboundMessage;
using SupportDesk.Infrastructure.Auth;

namespace SupportDesk.Features.Inbound;

public static class InboundEndpoints
{
    /// <summary>The worker that turns stored mail into tickets (the listener and poller that store it are infrastructure).</summary>
    public static IServiceCollection AddInbound(this IServiceCollection services) =>
        services.AddSingleton<InboundMailProcessor>()
            .AddSingleton<InboundWorker>()
            .AddHostedService(sp => sp.GetRequiredService<InboundWorker>());

    public static IEndpointRouteBuilder MapInboundAdmin(this IEndpointRouteBuilder routes)
    {
        var group = routes.MapGroup("/inbound-messages")
            .WithTags("Inbound email")
            .RequireAuthorization(Policies.Admin);
        group.MapListInboundMessages();
        group.MapGetInboundMessage();
        group.MapRetryInboundMessage();
        return routes;
    }
}
