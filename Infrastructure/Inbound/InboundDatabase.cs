using Npgsql;
using SupportDesk.Infrastructure.Configuration;

namespace SupportDesk.Infrastructure.Inbound;

/// <summary>
/// The inbound workers' own small pool, the one exception to the single data source: its connections prepare the
/// statements they run again and again (Npgsql's Max Auto Prepare). A mail costs some twenty statements, and without
/// preparation PostgreSQL parsed and planned each of them every time: about half its CPU per mail (bench/README.md
/// "Inbound email"). The request path stays unprepared (DatabaseSetup says why: Npgsql 10.0.3 mishandles a statement
/// whose preparing run fails in Bind). Here that case is contained: after any failure on a connection the worker calls
/// <see cref="Forget"/> (every prepared statement of the connection dropped) or clears the pool.
/// </summary>
public sealed class InboundDatabase : IAsyncDisposable
{
    /// <summary>Distinct statements one connection keeps prepared (a mail's paths use about forty).</summary>
    internal const int PreparedStatements = 128;

    /// <summary>
    /// Around a statement whose generic plan can go stale: one made while the tables were small (a fresh install, a
    /// burst of mail) stays until they are next analysed, and such a plan of the threading query scanned
    /// inbound_messages whole, 37 ms a reply, in a benchmark run. Planned afresh each run instead; the rest keep their
    /// generic plans (planning every statement each time cost more than the preparation saved).
    /// </summary>
    public const string CustomPlans = "SET LOCAL plan_cache_mode = force_custom_plan";

    public const string DefaultPlans = "SET LOCAL plan_cache_mode = DEFAULT";

    private readonly Lazy<NpgsqlDataSource> _dataSource;

    public InboundDatabase(AppSettings settings)
    {
        _dataSource = new Lazy<NpgsqlDataSource>(() =>
        {
            var csb = new NpgsqlConnectionStringBuilder(settings.ConnectionString)
            {
                MaxAutoPrepare = PreparedStatements,
                AutoPrepareMinUsages = 2,
                // One connection per worker and one spare. Storing received mail (and a broken batch's verdict) stays on the
                // main pool: sessions of a busy listener would otherwise take the connections the workers wait for.
                MaxPoolSize = settings.Inbound.Workers + 1,
                NoResetOnClose = true,
                // A prepared statement keeps its generic plan for the life of the connection, and one made while a table
                // was nearly empty (a fresh install, the first minute of a burst) scans it whole once it has grown: the
                // followers query read 2.4 million rows over one benchmark run. Connections are replaced after this
                // long, so their plans are remade with the tables' sizes of the time.
                ConnectionLifetime = 30,
            };
            if (string.IsNullOrEmpty(csb.ApplicationName))
                csb.ApplicationName = "supportdesk-inbound";
            return new NpgsqlDataSourceBuilder(csb.ConnectionString) { Name = "supportdesk-inbound" }.Build();
        });
    }

    /// <summary>Built on first use: an instance that takes no mail in opens nothing for it.</summary>
    public NpgsqlDataSource DataSource => _dataSource.Value;

    /// <summary>
    /// Drops every statement the connection prepared, so one that failed while being prepared is prepared afresh on
    /// its next run. For a connection whose transaction is usable again (after ROLLBACK TO SAVEPOINT).
    /// </summary>
    public static void Forget(NpgsqlConnection connection)
    {
        try
        {
            connection.UnprepareAll();
        }
        catch (Exception e) when (e is NpgsqlException or InvalidOperationException)
        {
            // Not even that went through: no connection of the pool is handed out again once it comes back.
            NpgsqlConnection.ClearPool(connection);
        }
    }

    /// <summary>Every connection of the pool is closed when it comes back: for a failure after which none can be trusted.</summary>
    public void ForgetAll()
    {
        if (_dataSource.IsValueCreated)
            _dataSource.Value.Clear();
    }

    public async ValueTask DisposeAsync()
    {
        if (_dataSource.IsValueCreated)
            await _dataSource.Value.DisposeAsync();
    }
}
