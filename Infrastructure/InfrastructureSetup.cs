using FluentValidation;
using SupportDesk.Infrastructure.Attachments;
using SupportDesk.Infrastructure.Auth;
using SupportDesk.Infrastructure.Configuration;
using SupportDesk.Infrastructure.Database;
using SupportDesk.Infrastructure.Email;
using SupportDesk.Infrastructure.Errors;
using SupportDesk.Infrastructure.Http;
using SupportDesk.Infrastructure.Idempotency;
using SupportDesk.Infrastructure.Inbound;
using SupportDesk.Infrastructure.Json;
using SupportDesk.Infrastructure.Logging;
using SupportDesk.Infrastructure.Metrics;
using SupportDesk.Infrastructure.Notifications;
using SupportDesk.Infrastructure.OpenApi;
using SupportDesk.Infrastructure.RateLimiting;
using SupportDesk.Infrastructure.Realtime;
using SupportDesk.Infrastructure.Sla;
using SupportDesk.Infrastructure.Validation;

namespace SupportDesk.Infrastructure;

public static class InfrastructureSetup
{
    /// <summary>Reads the configuration and registers everything the slices share. Throws StartupException on bad config.</summary>
    public static AppSettings AddInfrastructure(this WebApplicationBuilder builder, bool forCommandLine = false)
    {
        var settings = AppSettings.Load(builder.Configuration, builder.Environment, forCommandLine);
        var services = builder.Services;

        builder.AddLogging(settings.LogLevel);
        HttpSetup.EnsureRequestActivities();

        services.AddSingleton(settings);
        services.AddSingleton(TimeProvider.System);
        services.AddDatabase(settings.ConnectionString);
        services.AddJwtAuth(settings);
        services.AddEmail(settings);
        services.AddProblemResponses();
        services.ConfigureHttpJsonOptions(o => JsonSetup.Configure(o.SerializerOptions));
        services.AddValidatorsFromAssemblyContaining<AppSettings>(ServiceLifetime.Singleton, includeInternalTypes: true);
        ValidationFilter.UseSnakeCaseNames();
        services.AddMediator(options =>
        {
            options.ServiceLifetime = ServiceLifetime.Singleton;
            options.PipelineBehaviors = [typeof(MessageValidationBehavior<,>)];
        });
        if (settings.ApiDocs)
            services.AddApiDocs();
        services.AddRateLimits(settings.RateLimits);
        services.Configure<Microsoft.AspNetCore.Builder.ForwardedHeadersOptions>(options =>
        {
            options.ForwardedHeaders = Microsoft.AspNetCore.HttpOverrides.ForwardedHeaders.XForwardedFor
                | Microsoft.AspNetCore.HttpOverrides.ForwardedHeaders.XForwardedProto;
            // Only the configured proxies; the framework's default (loopback) is not a decision we want to make for anyone.
            options.KnownProxies.Clear();
            options.KnownIPNetworks.Clear();
            foreach (var network in settings.TrustedProxies)
                options.KnownIPNetworks.Add(network);
            // Walk back through every trusted hop (load balancer, then ingress), stopping at the first untrusted one.
            options.ForwardLimit = null;
        });
        services.AddRealtime(settings);
        services.AddAppGauges();
        services.AddSingleton<NotificationWriter>();
        services.AddSla();
        services.AddAttachmentStorage(settings);
        services.AddInboundMail();
        services.AddIdempotencyKeys();

        services.AddCors(o => o.AddDefaultPolicy(policy =>
        {
            if (settings.CorsOrigins.Contains("*"))
                policy.AllowAnyOrigin();
            else
                policy.WithOrigins(settings.CorsOrigins);
            policy.AllowAnyHeader().AllowAnyMethod().WithExposedHeaders("ETag", "Location", "X-Trace-Id");
        }));

        builder.WebHost.ConfigureKestrel(k => k.Limits.MaxRequestBodySize = 1024 * 1024);
        // Inline: a write is put on the wire by the thread that writes it, not queued for the transport's send threads.
        // Socket completions still run on the thread pool (DOTNET_SYSTEM_NET_SOCKETS_INLINE_COMPLETIONS stays unset), so a
        // slow request holds only its own connection. Opt-in for its REST cost (RealtimeSettings.InlineSends).
        if (settings.Realtime.InlineSends)
            builder.WebHost.UseSockets(o => o.UnsafePreferInlineScheduling = true);
        if (string.IsNullOrEmpty(builder.Configuration["ASPNETCORE_URLS"]) && string.IsNullOrEmpty(builder.Configuration["URLS"]))
            builder.WebHost.UseUrls($"http://0.0.0.0:{settings.Port}");

        return settings;
    }

    public static WebApplication UseInfrastructure(this WebApplication app)
    {
        // First, so the logs, rate limits and everything after see the client's address, not the proxy's.
        if (app.Services.GetRequiredService<AppSettings>().TrustedProxies.Count > 0)
            app.UseForwardedHeaders();
        app.UseResponseHeaders();
        app.UseRealtimeSockets();
        app.UseRequestLogging();
        app.UseExceptionHandler();
        app.UseStatusCodePages();
        app.UseRouting();
        app.UseRequestMetrics();
        app.UseCors();
        app.UseAuthentication();
        app.UseRateLimiter();
        app.UseAuthorization();
        app.UseIdempotencyKeys();
        return app;
    }
}
