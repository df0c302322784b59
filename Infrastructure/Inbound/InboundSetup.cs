using SupportDesk.Infrastructure.Email;

namespace SupportDesk.Infrastructure.Inbound;

public static class InboundSetup
{
    /// <summary>The store and the two ways in (each does nothing unless configured).</summary>
    public static IServiceCollection AddInboundMail(this IServiceCollection services)
    {
        services.AddSingleton<InboundSignal>();
        services.AddSingleton<InboundDatabase>();
        services.AddSingleton<InboundStore>();
        services.AddSingleton<ThreadMarker>();
        services.AddSingleton<InboundSmtpListener>();
        services.AddHostedService(sp => sp.GetRequiredService<InboundSmtpListener>());
        services.AddHostedService<InboundImapPoller>();
        return services;
    }
}
