using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Net.Sockets;
using System.Text.Json;
using Npgsql;

namespace SupportDesk.Tests.Infrastructure.Database;

/// <summary>
/// PostgreSQL restarted under concurrent reads and writes: every answer is 2xx or a 503 problem with Retry-After,
/// the app recovers by itself, and exactly the acknowledged creates are in the database. It restarts a throwaway
/// cluster of its own, never the shared one other test runs use.
/// </summary>
public sealed class DatabaseRestartTests(ITestOutputHelper output)
{
    [Fact]
    public async Task A_fast_restart_under_load_answers_503_with_retry_after_never_500_and_loses_no_acknowledged_write()
    {
        await using var cluster = await ThrowawayCluster.StartAsync();
        await using var factory = new SupportDeskFactory(SupportDeskFactory.DefaultSettings(cluster.Url));
        using var anonymous = factory.CreateClient();
        var register = await anonymous.PostAsJsonAsync("/auth/register",
            new { email = "restart@example.test", password = "correct horse battery", first_name = "Re", last_name = "Start" });
        register.EnsureSuccessStatusCode();
        var token = (await register.Content.ReadFromJsonAsync<AuthBody>(TestJson.Options))!.AccessToken;
        using var client = factory.CreateClient();
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);

        var answers = new ConcurrentBag<(string Request, HttpStatusCode Status, bool RetryAfter, string? ContentType)>();
        var created = new ConcurrentBag<Guid>();
        using var stop = new CancellationTokenSource();

        async Task WriterAsync()
        {
            for (var i = 0; !stop.IsCancellationRequested; i++)
            {
                var response = await client.PostAsJsonAsync("/tickets", new { title = $"Restart {i}", description = "Written while PostgreSQL restarts" });
                Record("POST /tickets", response);
                if (response.StatusCode == HttpStatusCode.Created)
                    created.Add((await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetGuid());
            }
        }

        async Task ReaderAsync()
        {
            while (!stop.IsCancellationRequested)
                Record("GET /tickets", await client.GetAsync("/tickets?limit=5"));
        }

        void Record(string request, HttpResponseMessage response) => answers.Add(
            (request, response.StatusCode, response.Headers.RetryAfter is not null, response.Content.Headers.ContentType?.MediaType));

        var load = Enumerable.Range(0, 3).Select(_ => Task.Run(WriterAsync))
            .Concat(Enumerable.Range(0, 2).Select(_ => Task.Run(ReaderAsync))).ToArray();
        await Task.Delay(TimeSpan.FromSeconds(1.5));
        await cluster.RestartAsync();
        await Task.Delay(TimeSpan.FromSeconds(2.5));
        stop.Cancel();
        await Task.WhenAll(load);

        foreach (var tally in answers.GroupBy(a => $"{a.Request} {(int)a.Status}").OrderBy(g => g.Key))
            output.WriteLine($"{tally.Key}: {tally.Count()}");
        var unexpected = answers.Where(a => !((int)a.Status is >= 200 and < 300
                || (a.Status == HttpStatusCode.ServiceUnavailable && a.RetryAfter && a.ContentType == "application/problem+json")))
            .GroupBy(a => $"{a.Request} {(int)a.Status} retry-after={a.RetryAfter} {a.ContentType}")
            .Select(g => $"{g.Key} x{g.Count()}").ToList();
        Assert.True(unexpected.Count == 0, "Unexpected answers: " + string.Join("; ", unexpected));
        Assert.Contains(answers, a => a.Status == HttpStatusCode.ServiceUnavailable);

        // Recovered without a restart of the app: the very next requests succeed.
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/tickets?limit=1")).StatusCode);
        var after = await client.PostAsJsonAsync("/tickets", new { title = "After the restart", description = "The pool has reconnected" });
        Assert.Equal(HttpStatusCode.Created, after.StatusCode);
        created.Add((await after.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetGuid());

        await using var connection = new NpgsqlConnection(cluster.ConnectionString);
        await connection.OpenAsync();
        await using var rows = new NpgsqlCommand("SELECT id FROM tickets", connection);
        var stored = new HashSet<Guid>();
        await using (var reader = await rows.ExecuteReaderAsync())
            while (await reader.ReadAsync())
                stored.Add(reader.GetGuid(0));
        Assert.Equal(created.Order(), stored.Order());
    }

    /// <summary>A PostgreSQL cluster in a temporary folder on a free port; stopped and deleted on dispose.</summary>
    private sealed class ThrowawayCluster : IAsyncDisposable
    {
        private readonly string _bin;
        private readonly string _root;
        private readonly string _data;
        private readonly int _port;

        private ThrowawayCluster(string bin, string root, int port)
        {
            _bin = bin;
            _root = root;
            _data = Path.Combine(root, "data");
            _port = port;
        }

        public string Url => $"postgres://postgres@127.0.0.1:{_port}/postgres";
        public string ConnectionString => $"Host=127.0.0.1;Port={_port};Username=postgres;Database=postgres;Pooling=false";

        public static async Task<ThrowawayCluster> StartAsync()
        {
            var bin = FindPostgresBin();
            var cluster = new ThrowawayCluster(bin, Path.Combine(Path.GetTempPath(), $"sd-restart-{Guid.NewGuid():N}"), FreePort());
            try
            {
                await cluster.AsOwnerAsync("mkdir", "-p", cluster._root);
                await cluster.AsOwnerAsync(Path.Combine(bin, "initdb"), "-D", cluster._data, "-U", "postgres", "--auth=trust",
                    "--encoding=UTF8", "--locale=C.UTF-8", "--no-sync");
                await cluster.AsOwnerAsync("sh", "-c", $"""
                    cat >> '{cluster._data}/postgresql.conf' <<'CONF'
                    listen_addresses = '127.0.0.1'
                    port = {cluster._port}
                    unix_socket_directories = ''
                    max_connections = 40
                    fsync = off
                    CONF
                    """);
                await cluster.PgCtlAsync("start");
                return cluster;
            }
            catch
            {
                await cluster.DisposeAsync();
                throw;
            }
        }

        // -m fast: sessions are terminated (57P01) and in-flight transactions roll back, as in a real restart.
        public Task RestartAsync() => PgCtlAsync("restart", "-m", "fast");

        public async ValueTask DisposeAsync()
        {
            NpgsqlConnection.ClearAllPools();
            try
            {
                if (File.Exists(Path.Combine(_data, "postmaster.pid")))
                    await PgCtlAsync("stop", "-m", "immediate");
            }
            finally
            {
                if (Directory.Exists(_root))
                    Directory.Delete(_root, recursive: true);
            }
        }

        private Task PgCtlAsync(params string[] args) =>
            AsOwnerAsync([Path.Combine(_bin, "pg_ctl"), "-D", _data, "-l", Path.Combine(_root, "postgres.log"), "-w", "-t", "20", .. args]);

        // initdb refuses to run as root: then everything runs as the postgres user, as scripts/lib/postgres.sh does.
        private Task AsOwnerAsync(params string[] command) =>
            RunAsync(Environment.IsPrivilegedProcess ? ["runuser", "-u", "postgres", "--", .. command] : command);

        private static async Task RunAsync(string[] command)
        {
            var start = new ProcessStartInfo(command[0]) { RedirectStandardOutput = true, RedirectStandardError = true };
            foreach (var arg in command.Skip(1))
                start.ArgumentList.Add(arg);
            using var process = Process.Start(start)!;
            var output = process.StandardOutput.ReadToEndAsync();
            var error = process.StandardError.ReadToEndAsync();
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
            await process.WaitForExitAsync(timeout.Token);
            if (process.ExitCode != 0)
                throw new InvalidOperationException($"{string.Join(' ', command)} exited with {process.ExitCode}: {await error}{await output}");
        }

        private static string FindPostgresBin() =>
            Directory.Exists("/usr/lib/postgresql")
                ? Directory.GetDirectories("/usr/lib/postgresql")
                    .Select(dir => Path.Combine(dir, "bin"))
                    .Where(bin => File.Exists(Path.Combine(bin, "initdb")) && File.Exists(Path.Combine(bin, "pg_ctl")))
                    .OrderByDescending(bin => int.TryParse(Path.GetFileName(Path.GetDirectoryName(bin)), out var major) ? major : 0)
                    .FirstOrDefault() ?? throw new InvalidOperationException("No PostgreSQL binaries under /usr/lib/postgresql/*/bin")
                : throw new InvalidOperationException("No PostgreSQL binaries under /usr/lib/postgresql/*/bin");

        private static int FreePort()
        {
            using var listener = new TcpListener(IPAddress.Loopback, 0);
            listener.Start();
            return ((IPEndPoint)listener.LocalEndpoint).Port;
        }
    }
}
