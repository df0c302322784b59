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
        // Hot statements are prepared server-side after a few uses; saves a parse/plan round on every call.
        if (csb.MaxAutoPrepare == 0)
        {
            csb.MaxAutoPrepare = 64;
            csb.AutoPrepareMinUsages = 2;
        }
        if (string.IsNullOrEmpty(csb.ApplicationName))
            csb.ApplicationName = "supportdesk";

        // A fixed name keeps the pool's metric labels short and free of connection details.
        services.AddSingleton(_ => new NpgsqlDataSourceBuilder(csb.ConnectionString) { Name = "supportdesk" }.Build());
        return services;
    }
}
