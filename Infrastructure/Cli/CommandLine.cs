using SupportDesk.Infrastructure.Auth;
using SupportDesk.Infrastructure.Configuration;
using SupportDesk.Infrastructure.Database;
using SupportDesk.Infrastructure.Errors;
using SupportDesk.Infrastructure.Search;

namespace SupportDesk.Infrastructure.Cli;

/// <summary>
/// `dotnet run -- migrate [up]`, `migrate down VERSION`, `migrate status`, `migrate create NAME`,
/// `create-admin --email X --password Y [--first-name F --last-name L]`.
/// </summary>
public static class CommandLine
{
    private const string Usage = """
        usage:
          supportdesk                          serve the API (migrates on start unless MIGRATE_ON_STARTUP=false)
          supportdesk migrate [up]             apply pending migrations
          supportdesk migrate down VERSION     roll back to VERSION (0 rolls back everything)
          supportdesk migrate status           list applied and pending migrations
          supportdesk migrate create NAME      write a new migration class into Migrations/
          supportdesk create-admin --email EMAIL --password PASSWORD [--first-name F] [--last-name L]
          supportdesk search reindex           rebuild every stored search vector with SEARCH_LANGUAGE
          supportdesk healthcheck              exit 0 when the service on PORT answers /health with 200
        """;

    public static bool IsScaffold(string[] args) => args is ["migrate", "create", ..];

    public static bool IsHealthcheck(string[] args) => args is ["healthcheck"];

    /// <summary>For container HEALTHCHECKs: asks the running service's /health on PORT; exit 0 when it answers 200.</summary>
    public static async Task<int> HealthcheckAsync()
    {
        var port = Environment.GetEnvironmentVariable("PORT") is { Length: > 0 } p ? p : "3000";
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(4) };
        try
        {
            using var response = await http.GetAsync($"http://127.0.0.1:{port}/health");
            return response.IsSuccessStatusCode ? 0 : 1;
        }
        catch (Exception e) when (e is HttpRequestException or TaskCanceledException)
        {
            return 1;
        }
    }

    public static bool IsCommand(string[] args) => args is ["migrate", ..] or ["create-admin", ..] or ["search", ..] or ["help" or "--help" or "-h", ..];

    public static int Scaffold(string[] args)
    {
        if (args.Length != 3)
        {
            Console.Error.WriteLine("usage: supportdesk migrate create NAME");
            return 2;
        }
        try
        {
            var path = MigrationScaffolder.Create(args[2], MigrationScaffolder.FindMigrationsDirectory(), DateTime.UtcNow);
            Console.WriteLine($"created {path}");
            return 0;
        }
        catch (Exception e) when (e is IOException or ArgumentException)
        {
            Console.Error.WriteLine($"supportdesk: {e.Message}");
            return 1;
        }
    }

    public static async Task<int> RunAsync(WebApplication app, string[] args)
    {
        var settings = app.Services.GetRequiredService<AppSettings>();
        try
        {
            switch (args)
            {
                case ["migrate"] or ["migrate", "up"]:
                    MigrationRunner.MigrateUp(settings.ConnectionString);
                    Console.WriteLine("migrations applied");
                    return 0;
                case ["migrate", "down", var raw] when long.TryParse(raw, out var version) && version >= 0:
                    MigrationRunner.MigrateDown(settings.ConnectionString, version);
                    Console.WriteLine($"rolled back to {version}");
                    return 0;
                case ["migrate", "status"]:
                    var applied = MigrationRunner.AppliedVersions(settings.ConnectionString);
                    Console.WriteLine($"applied: {(applied.Count == 0 ? "none" : string.Join(", ", applied.Order()))}");
                    Console.WriteLine($"pending: {(MigrationRunner.HasPendingMigrations(settings.ConnectionString) ? "yes" : "none")}");
                    return 0;
                case ["search", "reindex"]:
                    await SearchLanguage.ReindexAsync(app.Services.GetRequiredService<Npgsql.NpgsqlDataSource>(), settings.Search.Language);
                    Console.WriteLine($"search vectors rebuilt with '{settings.Search.Language}'");
                    return 0;
                case ["create-admin", .. var rest]:
                    return await CreateAdminAsync(app, rest);
                default:
                    Console.Error.WriteLine(Usage);
                    return args is ["help" or "--help" or "-h", ..] ? 0 : 2;
            }
        }
        catch (Npgsql.NpgsqlException e)
        {
            Console.Error.WriteLine($"supportdesk: database error: {e.Message}");
            return 1;
        }
        catch (StartupException e)
        {
            Console.Error.WriteLine($"supportdesk: {e.Message}");
            return 1;
        }
    }

    private static async Task<int> CreateAdminAsync(WebApplication app, string[] rest)
    {
        var options = new Dictionary<string, string>(StringComparer.Ordinal);
        for (var i = 0; i + 1 < rest.Length; i += 2)
            options[rest[i]] = rest[i + 1];
        if (rest.Length % 2 != 0 || !options.TryGetValue("--email", out var email) || !options.TryGetValue("--password", out var password))
        {
            Console.Error.WriteLine(Usage);
            return 2;
        }

        MigrationRunner.MigrateUp(app.Services.GetRequiredService<AppSettings>().ConnectionString);
        AdminBootstrapResult result;
        try
        {
            result = await app.Services.GetRequiredService<IAdminBootstrap>().EnsureAdminAsync(email, password,
                options.GetValueOrDefault("--first-name", "Admin"), options.GetValueOrDefault("--last-name", "User"), CancellationToken.None);
        }
        catch (MessageValidationException e)
        {
            foreach (var (field, messages) in e.Errors)
                foreach (var message in messages)
                    Console.Error.WriteLine($"{field}: {message}");
            return 1;
        }
        Console.WriteLine(result.Created
            ? $"created admin {result.Email}"
            : $"a user with email {result.Email} already exists (role {result.Role}); nothing changed");
        return 0;
    }
}
