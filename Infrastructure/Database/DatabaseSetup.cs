using Dapper;
using Npgsql;

namespace SupportDesk.Infrastructure.Database;

public static class DatabaseSetup
{
    /// <summary>Registers the one <see cref="NpgsqlDataSource"/> every slice opens its connections from.</summary>
    public static IServiceCollection AddDatabase(this IServiceCollection services, string connectionString)
    {
        DefaultTypeMap.MatchNamesWithUnderscores = true;

        var csb = new NpgsqlConnectionStringBuilder(connectionString);
        // Auto-prepare (Max Auto Prepare) stays off, Npgsql's default. Npgsql 10.0.3 (and its main branch) marks a statement
        // prepared as soon as PostgreSQL has parsed it; when that same run then fails in Bind (a NUL in text, a cast or
        // function the planner folds, a timeout while planning) it never learns the result's columns, so the next run of
        // that SQL on the connection mistakes its rows for a protocol error: an innocent request fails and the connection
        // is dropped. ConnectionRecoveryTests provoke it. A connection string that sets it brings that failure back.
        // The inbound mail pool (InboundDatabase) is the one place that prepares: it drops what it prepared after any failure.
        // Every request takes a connection from the pool twice (the token's user check, then the handler), and by default
        // each return queues a 7-statement session reset (RESET ALL, CLOSE ALL, UNLISTEN *, …) for PostgreSQL to run.
        // Nothing here leaves session state behind (SET LOCAL only; LISTEN connections are never handed back healthy),
        // so the reset is skipped (bench/README.md has what it gains). An explicit setting wins.
        if (!connectionString.Contains("Reset On Close", StringComparison.OrdinalIgnoreCase))
            csb.NoResetOnClose = true;
        if (string.IsNullOrEmpty(csb.ApplicationName))
            csb.ApplicationName = "supportdesk";

        // A fixed name keeps the pool's metric labels short and free of connection details.
        services.AddSingleton(_ => new NpgsqlDataSourceBuilder(csb.ConnectionString) { Name = "supportdesk" }.Build());
        return services;
    }
}
