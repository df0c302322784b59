using System.Net;
using System.Net.Sockets;

namespace SupportDesk.Tests.Features.Health;

public sealed class HealthTests(AppFixture app)
{
    [Fact]
    public async Task Health_is_up_with_the_database()
    {
        using var client = app.Anonymous();
        var response = await client.GetAsync("/health");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var json = await response.JsonAsync();
        Assert.Equal("ok", json.GetProperty("status").GetString());
        Assert.Equal("up", json.GetProperty("database").GetString());
    }

    [Fact]
    public async Task Health_is_503_while_the_database_is_unreachable_and_recovers_without_a_restart()
    {
        // A real TCP proxy in front of the real database, so the test can cut and restore the path.
        var server = new Npgsql.NpgsqlConnectionStringBuilder(app.Database.ConnectionString);
        await using var proxy = new TcpProxy(server.Host!, server.Port);
        var settings = SupportDeskFactory.DefaultSettings($"postgres://postgres@127.0.0.1:{proxy.Port}/{app.Database.Name}");
        settings["MIGRATE_ON_STARTUP"] = "false";
        await using var factory = new SupportDeskFactory(settings);
        using var client = factory.CreateClient();

        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/health")).StatusCode);

        proxy.Stop();
        var down = await client.GetAsync("/health");
        Assert.Equal(HttpStatusCode.ServiceUnavailable, down.StatusCode);
        Assert.Equal("down", (await down.JsonAsync()).GetProperty("database").GetString());

        proxy.Start();
        HttpStatusCode status = default;
        for (var i = 0; i < 20 && status != HttpStatusCode.OK; i++)
        {
            status = (await client.GetAsync("/health")).StatusCode;
            if (status != HttpStatusCode.OK)
                await Task.Delay(250);
        }
        Assert.Equal(HttpStatusCode.OK, status);
    }

    /// <summary>Forwards a loopback port to PostgreSQL; Stop() drops every connection and refuses new ones.</summary>
    private sealed class TcpProxy : IAsyncDisposable
    {
        private readonly string _targetHost;
        private readonly int _targetPort;
        private readonly List<TcpClient> _open = [];
        private TcpListener? _listener;
        private CancellationTokenSource _cts = new();

        public TcpProxy(string targetHost, int targetPort)
        {
            _targetHost = targetHost;
            _targetPort = targetPort;
            var probe = new TcpListener(IPAddress.Loopback, 0);
            probe.Start();
            Port = ((IPEndPoint)probe.LocalEndpoint).Port;
            probe.Stop();
            Start();
        }

        public int Port { get; }

        public void Start()
        {
            _cts = new CancellationTokenSource();
            _listener = new TcpListener(IPAddress.Loopback, Port);
            _listener.Server.SetSocketOption(SocketOptionLevel.Socket, SocketOptionName.ReuseAddress, true);
            _listener.Start();
            _ = AcceptLoopAsync(_listener, _cts.Token);
        }

        public void Stop()
        {
            _cts.Cancel();
            _listener?.Stop();
            lock (_open)
            {
                foreach (var client in _open)
                    client.Dispose();
                _open.Clear();
            }
        }

        private async Task AcceptLoopAsync(TcpListener listener, CancellationToken ct)
        {
            while (!ct.IsCancellationRequested)
            {
                TcpClient inbound;
                try { inbound = await listener.AcceptTcpClientAsync(ct); }
                catch (Exception) { return; }
                var outbound = new TcpClient();
                try { await outbound.ConnectAsync(_targetHost, _targetPort, ct); }
                catch (Exception) { inbound.Dispose(); outbound.Dispose(); continue; }
                lock (_open) { _open.Add(inbound); _open.Add(outbound); }
                _ = PumpAsync(inbound, outbound, ct);
                _ = PumpAsync(outbound, inbound, ct);
            }
        }

        private static async Task PumpAsync(TcpClient from, TcpClient to, CancellationToken ct)
        {
            try { await from.GetStream().CopyToAsync(to.GetStream(), ct); }
            catch (Exception) { /* either side closed: the other is closed below */ }
            from.Dispose();
            to.Dispose();
        }

        public ValueTask DisposeAsync()
        {
            Stop();
            return ValueTask.CompletedTask;
        }
    }
}

public sealed class ReadinessTests(AppFixture app)
{
    [Fact]
    public async Task Ready_when_the_database_has_every_migration_and_live_without_asking_it()
    {
        using var client = app.Anonymous();
        var ready = await client.GetAsync("/health/ready");
        Assert.Equal(HttpStatusCode.OK, ready.StatusCode);
        var json = await ready.JsonAsync();
        Assert.Equal(SupportDesk.Infrastructure.Database.MigrationRunner.LatestVersion, json.GetProperty("schema_version").GetInt64());
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/health/live")).StatusCode);
    }

    [Fact]
    public async Task Not_ready_while_migrations_are_pending()
    {
        await using var database = await TestDatabase.CreateAsync("sd_ready");
        var settings = SupportDeskFactory.DefaultSettings(database.Url);
        settings["MIGRATE_ON_STARTUP"] = "false";
        await using var factory = new SupportDeskFactory(settings);
        using var client = factory.CreateClient();

        var response = await client.GetAsync("/health/ready");
        Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
        Assert.Equal("migrations pending", (await response.JsonAsync()).GetProperty("status").GetString());
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/health")).StatusCode);

        SupportDesk.Infrastructure.Database.MigrationRunner.MigrateUp(database.ConnectionString);
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/health/ready")).StatusCode);
    }

    [Fact]
    public async Task Metrics_are_exposed_in_prometheus_format()
    {
        // /metrics answers loopback (METRICS_ALLOW's default); the in-process test server has no client address, so a real port.
        await using var server = await KestrelApp.StartAsync(app.Database.Url);
        using var client = server.CreateClient();
        await client.GetAsync("/health");
        var text = await client.GetStringAsync("/metrics");
        Assert.Contains("http_request_duration_seconds_bucket", text);
        Assert.Contains("endpoint=\"/health", text);
        Assert.Contains("process_working_set_bytes", text);
        Assert.Contains("npgsql_db_client_connection_count", text);
        Assert.Contains("supportdesk_websocket_connections", text);
        // Values count the whole run's database (other tests' mail too); presence is what this checks.
        Assert.Matches(@"supportdesk_email_outbox\{status=""pending""\} \d+", text);
        Assert.Matches(@"supportdesk_email_outbox\{status=""failed""\} \d+", text);
    }
}

/// <summary>Limits that only a real Kestrel enforces (the test server does not), checked on a real port.</summary>
public sealed class RequestLimitTests(AppFixture app, RealtimeServerFixture fixture) : IClassFixture<RealtimeServerFixture>
{
    [Fact]
    public async Task A_body_over_one_megabyte_is_a_413_problem_and_writes_nothing()
    {
        using var client = fixture.Server.CreateClient();
        var email = AppFixture.UniqueEmail("big");
        var body = $"{{\"email\":\"{email}\",\"password\":\"password123\",\"first_name\":\"{new string('x', 1_100_000)}\",\"last_name\":\"B\"}}";

        var response = await client.PostAsync("/auth/register", new StringContent(body, System.Text.Encoding.UTF8, "application/json"));

        await response.AssertProblemAsync(HttpStatusCode.RequestEntityTooLarge);
        await using var db = await app.OpenConnectionAsync();
        Assert.Equal(0, await Dapper.SqlMapper.ExecuteScalarAsync<int>(db, "SELECT count(*) FROM users WHERE email = @email", new { email }));
    }
}
