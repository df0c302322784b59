namespace SupportDesk.Infrastructure.Sla;

public static class SlaSetup
{
    public static IServiceCollection AddSla(this IServiceCollection services)
    {
        services.AddSingleton<SlaClock>();
        services.AddSingleton<SlaBreachJob>();
        services.AddHostedService(sp => sp.GetRequiredService<SlaBreachJob>());
        return services;
    }
}
