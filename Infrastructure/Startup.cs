using Npgsql;
using SupportDesk.Infrastructure.Auth;
using SupportDesk.Infrastructure.Configuration;
using SupportDesk.Infrastructure.Database;
using SupportDesk.Infrastructure.Errors;
using SupportDesk.Infrastructure.Search;

namespace SupportDesk.Infrastructure;

/// <summary>What happens between building the app and serving: migrations, the first admin, warnings.</summary>
public static class Startup
{
    public static async Task PrepareAsync(WebApplication app)
    {
        var settings = app.Services.GetRequiredService<AppSettings>();
        var logger = app.Services.GetRequiredService<ILoggerFactory>().CreateLogger("SupportDesk.Startup");

        if (settings.Auth.JwtSecretGenerated)
            logger.LogWarning("JWT_SECRET is not set: using a random secret for this Development run; tokens will not survive a restart.");
        if (settings.Email.SmtpHost is null)
            logger.LogInformation("EMAIL_SMTP_HOST is not set: emails stay queued until it is.");

        if (settings.MigrateOnStartup)
            await MigrateWithRetryAsync(settings.ConnectionString, logger);

        try
        {
            await SearchLanguage.EnsureAsync(app.Services.GetRequiredService<NpgsqlDataSource>(), settings.Search.Language);
        }
        catch (NpgsqlException e) when (e.IsTransient && !settings.MigrateOnStartup)
        {
            logger.LogWarning("Could not check SEARCH_LANGUAGE against the database ({Message}); searches fail until it answers", e.Message);
        }

        if (settings.Auth.AdminEmail is not null && settings.Auth.AdminPassword is not null)
        {
            AdminBootstrapResult result;
            try
            {
                result = await app.Services.GetRequiredService<IAdminBootstrap>()
                    .EnsureAdminAsync(settings.Auth.AdminEmail, settings.Auth.AdminPassword, "Admin", "User", CancellationToken.None);
            }
            catch (MessageValidationException e)
            {
                // The variable, not the field, is what an operator can fix.
                var reasons = e.Errors.Select(f => $"{AdminVariable(f.Key)}: {string.Join(" ", f.Value)}");
                throw new StartupException($"the start-up admin is not accepted ({string.Join("; ", reasons)})");
            }
            if (result.Created)
                logger.LogInformation("Created the first admin {Email}", result.Email);
        }
    }

    private static string AdminVariable(string field) => field switch
    {
        "email" => "ADMIN_EMAIL",
        "password" => "ADMIN_PASSWORD",
        _ => field,
    };

    // The database may still be starting (containers, a fresh cluster): retry for a while, then say why we gave up.
    private static async Task MigrateWithRetryAsync(string connectionString, ILogger logger)
    {
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (true)
        {
            try
            {
                MigrationRunner.MigrateUp(connectionString);
                return;
            }
            catch (NpgsqlException e) when (e.IsTransient && DateTime.UtcNow < deadline)
            {
                logger.LogWarning("Database not reachable yet ({Message}); retrying", e.Message);
                await Task.Delay(TimeSpan.FromSeconds(1));
            }
            catch (NpgsqlException e)
            {
                var csb = new NpgsqlConnectionStringBuilder(connectionString);
                throw new StartupException($"cannot migrate the database {csb.Database} at {csb.Host}:{csb.Port}: {e.Message}");
            }
        }
    }
}
