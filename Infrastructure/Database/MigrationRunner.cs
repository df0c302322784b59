using FluentMigrator.Runner;
using Npgsql;
using Serilog;

namespace SupportDesk.Infrastructure.Database;

/// <summary>Runs FluentMigrator against the configured database, serialised across instances by an advisory lock.</summary>
public static class MigrationRunner
{
    // Any constant works; it only has to be the same for every instance of this service.
    private const long MigrationLockKey = 0x5D_E5_C0DE;

    /// <summary>The newest migration compiled into this build; /health/ready compares it with the database.</summary>
    public static long LatestVersion { get; } = typeof(MigrationRunner).Assembly.GetTypes()
        .Select(t => t.GetCustomAttributes(typeof(FluentMigrator.MigrationAttribute), false).OfType<FluentMigrator.MigrationAttribute>().FirstOrDefault())
        .Where(a => a is not null)
        .Max(a => a!.Version);

    public static void MigrateUp(string connectionString) => Run(connectionString, services => Runner(services).MigrateUp());

    public static void MigrateDown(string connectionString, long version) => Run(connectionString, services => Runner(services).MigrateDown(version));

    public static IReadOnlyList<long> AppliedVersions(string connectionString)
    {
        var versions = new List<long>();
        Run(connectionString, services =>
        {
            var loader = services.GetRequiredService<FluentMigrator.Runner.IVersionLoader>();
            loader.LoadVersionInfo();
            versions.AddRange(loader.VersionInfo.AppliedMigrations());
        });
        return versions;
    }

    public static bool HasPendingMigrations(string connectionString)
    {
        var pending = false;
        Run(connectionString, services => pending = Runner(services).HasMigrationsToApplyUp());
        return pending;
    }

    private static IMigrationRunner Runner(IServiceProvider services) => services.GetRequiredService<IMigrationRunner>();

    private static void Run(string connectionString, Action<IServiceProvider> action)
    {
        using var services = new ServiceCollection()
            .AddFluentMigratorCore()
            .ConfigureRunner(rb => rb
                .AddPostgres()
                .WithGlobalConnectionString(connectionString)
                // Not the 30 s default: a migration that rewrites or indexes a large table runs for minutes.
                .WithGlobalCommandTimeout(TimeSpan.FromHours(6))
                .ScanIn(typeof(MigrationRunner).Assembly).For.Migrations())
            .AddLogging(lb => lb.AddSerilog(Log.Logger))
            .BuildServiceProvider(validateScopes: false);

        using var lockConnection = new NpgsqlConnection(connectionString);
        lockConnection.Open();
        using (var cmd = new NpgsqlCommand($"SELECT pg_advisory_lock({MigrationLockKey})", lockConnection))
            cmd.ExecuteNonQuery();
        try
        {
            using var scope = services.CreateScope();
            action(scope.ServiceProvider);
        }
        finally
        {
            using var unlock = new NpgsqlCommand($"SELECT pg_advisory_unlock({MigrationLockKey})", lockConnection);
            unlock.ExecuteNonQuery();
        }
    }
}
