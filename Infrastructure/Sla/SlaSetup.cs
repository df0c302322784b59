namespace SupportDesk.Infrastructure.Sla;

public static class SlaSetup
{
    public static IServiceCollection AddSla(this IServiceCollection services) => services.AddSingleton<SlaClock>();
}
