using SupportDesk.Infrastructure.Configuration;

namespace SupportDesk.Infrastructure.Email;

public static class EmailSetup
{
    /// <summary>Templates, the outbox writers call inside their transactions, and the background sender.</summary>
    public static IServiceCollection AddEmail(this IServiceCollection services, AppSettings settings)
    {
        services.AddSingleton<EmailTemplateEngine>();
        services.AddSingleton<OutboxSecrets>();
        services.AddSingleton<EmailOutbox>();
        // Without EMAIL_SMTP_HOST nothing sends: rows stay pending until an instance with a host runs.
        if (settings.Email.SmtpHost is not null)
            services.AddHostedService<EmailSender>();
        services.AddSingleton<EmailOutboxCleanup>();
        services.AddHostedService(sp => sp.GetRequiredService<EmailOutboxCleanup>());
        return services;
    }
}
