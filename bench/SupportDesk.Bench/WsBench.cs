using System.Diagnostics;
using System.Globalization;
using System.Net.Http.Json;
using System.Net.WebSockets;
using System.Text;
using System.Text.Json;
using Dapper;
using Microsoft.Extensions.Options;
using Npgsql;
using SupportDesk.Infrastructure.Configuration;
using SupportDesk.Infrastructure.Json;
using SupportDesk.Infrastructure.Realtime;

namespace SupportDesk.Bench;

/// <summary>
/// scripts/bench ws: the Release service on loopback, CLIENTS sockets as one staff user (who receives every ticket
/// event), EVENTS events published through PostgreSQL the way the service does, and commit-to-arrival latency over
/// every delivery, plus the service's CPU and RSS. Measures; asserts nothing.
/// </summary>
internal static class WsBench
{
    // The first events warm up the JIT on both sides: counted, but reported apart.
    private const int WarmUp = 2;

    // The client's own runtime settings (scripts/bench sets them for this mode); the service must not inherit them.
    private static readonly string[] ClientOnlyEnvironment = ["DOTNET_TieredCompilation", "DOTNET_SYSTEM_NET_SOCKETS_INLINE_COMPLETIONS"];

    public static async Task<int> RunAsync(string[] args)
    {
        var options = WsOptions.Parse(args);
        void Log(string message) => Console.Error.WriteLine($"ws-bench: {message}");
        var report = new StringBuilder();
        void Report(string line)
        {
            Console.WriteLine(line);
            report.AppendLine("- " + line);
        }

        // Every socket is a file descriptor in the service and in this process.
        if (OpenFilesLimit() is { } limit && limit < options.Clients + 1024)
        {
            Console.Error.WriteLine($"ws-bench: open-files limit {limit} is below {options.Clients + 1024}; raise the hard limit (ulimit -Hn).");
            return 2;
        }
        // lean (default on Linux x64): epoll and plain sockets, see LeanClients. clientwebsocket: .NET's ClientWebSocket,
        // one async reader each, as an application would use it (bench/README.md has what each costs).
        var clientKind = options.Client ?? (LeanClients.Supported ? "lean" : "clientwebsocket");
        if (clientKind is not ("clientwebsocket" or "lean") || (clientKind == "lean" && !LeanClients.Supported))
        {
            Console.Error.WriteLine($"ws-bench: --client {clientKind}: use lean (Linux x64 only) or clientwebsocket");
            return 2;
        }

        // The service migrates its database on start-up; this mode only makes sure the database exists.
        var server = new NpgsqlConnectionStringBuilder(DatabaseUrl.ToConnectionString(options.Server));
        var connectionString = new NpgsqlConnectionStringBuilder(server.ConnectionString) { Database = options.Database }.ConnectionString;
        await using (var admin = new NpgsqlConnection(server.ConnectionString))
        {
            await admin.OpenAsync();
            if (await admin.ExecuteScalarAsync<int?>("SELECT 1 FROM pg_database WHERE datname = @Database", new { options.Database }) is null)
                await admin.ExecuteAsync($"CREATE DATABASE \"{options.Database}\"");
        }

        var run = $"{DateTime.UtcNow:yyyyMMddHHmmss}-{Random.Shared.Next(100_000, 999_999)}";
        var adminEmail = $"bench-admin-{run}@example.com";
        var adminPassword = $"bench-password-{Random.Shared.Next():x8}{Random.Shared.Next():x8}";
        var port = ServiceProcess.FreePort();
        var connections = (options.Clients + 100).ToString(CultureInfo.InvariantCulture);
        using var service = ServiceProcess.Start(options.ServiceDll, connectionString, port, new Dictionary<string, string>
        {
            ["BCRYPT_WORK_FACTOR"] = "4",
            ["RATE_LIMIT_PER_MINUTE"] = "10000000",
            ["RATE_LIMIT_AUTH_PER_MINUTE"] = "10000000",
            ["ADMIN_EMAIL"] = adminEmail,
            ["ADMIN_PASSWORD"] = adminPassword,
            ["REALTIME_MAX_CONNECTIONS"] = connections,
            ["REALTIME_MAX_CONNECTIONS_PER_USER"] = connections,
        }.Concat(options.ServiceEnvironment).ToDictionary(), Log, ClientOnlyEnvironment);

        var startedAt = DateTime.UtcNow;
        var loadBefore = LoadAverage();
        LeanClients? lean = null;
        ClientWebSocket[] sockets = [];
        try
        {
            var baseUrl = new Uri($"http://127.0.0.1:{port}");
            using var http = new HttpClient { BaseAddress = baseUrl };
            await ServiceProcess.WaitReadyAsync(http, service);
            Log($"service RSS idle {Rss(service.Id)} MB");
            var login = await http.PostAsJsonAsync("/auth/login", new { email = adminEmail, password = adminPassword });
            login.EnsureSuccessStatusCode();
            var token = (await login.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("access_token").GetString()!;

            var clients = options.Clients;
            var eventCount = options.Events;
            var wsUri = new Uri($"ws://{baseUrl.Authority}/ws");
            var latencies = new List<double>[clients];
            for (var i = 0; i < clients; i++)
                latencies[i] = new List<double>(eventCount);
            var warmUpDeliveries = 0L;
            var done = new CountdownEvent(clients);
            var received = new int[clients];
            var slowest = new long[eventCount]; // per event, its latest delivery (ticks after it was sent)
            // Every client's reader calls this with each message and the time it arrived; one client is never two readers at once.
            void Record(int client, ReadOnlySpan<byte> message, long now)
            {
                // Two numbers out of the envelope, without building a document: the client shares the service's cores,
                // and every microsecond it spends per message shows up as latency of the messages behind it.
                if (!TryReadNumber(message, "\"bench_sent_at\":"u8, out var sent) || !TryReadNumber(message, "\"seq\":"u8, out var seq))
                    return;
                if (seq >= WarmUp)
                    latencies[client].Add((now - sent) / (double)TimeSpan.TicksPerMillisecond);
                else
                    Interlocked.Increment(ref warmUpDeliveries);
                if (seq >= 0 && seq < slowest.Length)
                {
                    for (var seen = Volatile.Read(ref slowest[seq]); now - sent > seen; seen = Volatile.Read(ref slowest[seq]))
                    {
                        if (Interlocked.CompareExchange(ref slowest[seq], now - sent, seen) == seen)
                            break;
                    }
                }
                if (++received[client] == eventCount)
                    done.Signal();
            }

            var connectWatch = Stopwatch.StartNew();
            if (clientKind == "lean")
                lean = LeanClients.Connect(wsUri, token, clients, parallel: 16);
            else
                sockets = await ConnectClientWebSocketsAsync(wsUri, token, clients);
            Report($"connected {clients} clients ({clientKind}) in {connectWatch.Elapsed.TotalSeconds:0.0} s; server RSS {Rss(service.Id)} MB");

            if (lean is not null)
            {
                lean.Start(Record);
            }
            else
            {
                foreach (var (socket, i) in sockets.Select((s, i) => (s, i)))
                {
                    _ = Task.Run(async () =>
                    {
                        var buffer = new byte[8192];
                        while (received[i] < eventCount)
                        {
                            var result = await socket.ReceiveAsync(buffer.AsMemory(), CancellationToken.None);
                            if (result.MessageType == WebSocketMessageType.Close)
                                break;
                            Record(i, buffer.AsSpan(0, result.Count), DateTime.UtcNow.Ticks);
                        }
                    });
                }
            }

            var json = new Microsoft.AspNetCore.Http.Json.JsonOptions();
            JsonSetup.Configure(json.SerializerOptions);
            var events = new RealtimeEvents(Options.Create(json), TimeProvider.System);
            await using var dataSource = NpgsqlDataSource.Create(connectionString);
            var ticketId = Guid.CreateVersion7();
            var peakRss = 0L;
            // The connect burst leaves the JIT's background tiering busy for seconds; events wait until the service is
            // quiet (at most 30 s), so they measure the steady state. Then idle: what the open sockets cost with nothing to send.
            var settleWatch = Stopwatch.StartNew();
            for (var busy = double.MaxValue; busy > 0.05 && settleWatch.Elapsed < TimeSpan.FromSeconds(30);)
            {
                var before = CpuSeconds(service.Id);
                await Task.Delay(1000);
                busy = CpuSeconds(service.Id) - before;
            }
            var idleBefore = CpuSeconds(service.Id);
            await Task.Delay(3000);
            Report($"server settled after {settleWatch.Elapsed.TotalSeconds - 3:0} s; CPU while idle: {(CpuSeconds(service.Id) - idleBefore) / 3:0.00} s per s");
            var serverCpuBefore = CpuSeconds(service.Id);
            var clientCpuBefore = CpuSeconds(Environment.ProcessId);
            var eventsWatch = Stopwatch.StartNew();
            for (var n = 0; n < eventCount; n++)
            {
                await using (var connection = await dataSource.OpenConnectionAsync())
                await using (var transaction = await connection.BeginTransactionAsync())
                {
                    var data = new { Changes = new { Priority = "high" }, BenchSentAt = DateTime.UtcNow.Ticks, Seq = n };
                    await events.PublishAsync(connection, transaction, new RealtimeEvent(RealtimeEventTypes.TicketUpdated, ticketId,
                        new EventAudience(Guid.Empty, StaffOnly: false), data), CancellationToken.None);
                    await transaction.CommitAsync();
                }
                await Task.Delay(250);
                peakRss = Math.Max(peakRss, Rss(service.Id));
            }

            var finished = done.Wait(TimeSpan.FromSeconds(60));
            var eventsSeconds = eventsWatch.Elapsed.TotalSeconds;
            var serverCpu = CpuSeconds(service.Id) - serverCpuBefore;
            var clientCpu = CpuSeconds(Environment.ProcessId) - clientCpuBefore;
            var all = latencies.SelectMany(l => l).Order().ToArray();
            var missing = (long)clients * eventCount - all.Length - warmUpDeliveries;
            Report($"deliveries {all.Length + warmUpDeliveries} of {(long)clients * eventCount} (missing {missing}{(finished ? "" : ", timed out")}); latency below excludes the first {WarmUp} (warm-up) events");
            if (all.Length > 0)
            {
                Report($"latency ms: p50 {ThroughputRunner.Percentile(all, 0.50):0.0}  p99 {ThroughputRunner.Percentile(all, 0.99):0.0}  max {all[^1]:0.0}");
                // One late event moves p99 on its own; this shows whether the tail is every event or a few.
                Report("last delivery of each event, ms: " + string.Join(' ', slowest.Skip(WarmUp).Select(t => (t / (double)TimeSpan.TicksPerMillisecond).ToString("0", CultureInfo.InvariantCulture))));
            }
            // Where the cores went while events were delivered: the service, or this client process.
            Report($"CPU while events were sent ({eventsSeconds:0.0} s): server {serverCpu:0.00} s ({serverCpu * 1000 / eventCount:0} ms per event), "
                + $"client {clientCpu:0.00} s ({clientCpu * 1000 / eventCount:0} ms per event)");
            Report($"server RSS: {Rss(service.Id)} MB now, {peakRss} MB peak during events, VmHWM {Hwm(service.Id)} MB");
            if (lean is not null)
                Report($"client sockets closed by the server: {lean.Closed}");
        }
        finally
        {
            lean?.Dispose();
            foreach (var socket in sockets)
                socket?.Abort();
            ServiceProcess.Stop(service);
        }

        var serviceEnvironment = options.ServiceEnvironment.Count == 0 ? "none" : string.Join(", ", options.ServiceEnvironment.Select(kv => $"`{kv.Key}={kv.Value}`"));
        var markdown = new StringBuilder()
            .AppendLine(CultureInfo.InvariantCulture, $"# SupportDesk WebSocket benchmark, {startedAt:yyyy-MM-dd HH:mm} UTC").AppendLine()
            .AppendLine(CultureInfo.InvariantCulture, $"{options.Clients} {clientKind} clients as one staff user, {options.Events} events 250 ms apart, published through PostgreSQL (database {options.Database}); latency from commit to arrival at each client. ")
            .AppendLine(CultureInfo.InvariantCulture, $"Release build on 127.0.0.1, clients on the same {Environment.ProcessorCount} cores; load average {loadBefore:F1} at the start, {LoadAverage():F1} at the end. Extra service environment: {serviceEnvironment}.")
            .AppendLine()
            .Append(report)
            .ToString();
        Directory.CreateDirectory(options.ResultsDirectory);
        var path = Path.Combine(options.ResultsDirectory, "ws-latest.md");
        await File.WriteAllTextAsync(path, markdown);
        Log($"written {path}");
        return 0;
    }

    private static async Task<ClientWebSocket[]> ConnectClientWebSocketsAsync(Uri wsUri, string token, int clients)
    {
        var sockets = new ClientWebSocket[clients];
        using var gate = new SemaphoreSlim(100);
        await Task.WhenAll(Enumerable.Range(0, clients).Select(async i =>
        {
            await gate.WaitAsync();
            try
            {
                var socket = new ClientWebSocket();
                socket.Options.SetRequestHeader("Authorization", $"Bearer {token}");
                socket.Options.KeepAliveInterval = TimeSpan.Zero;
                await socket.ConnectAsync(wsUri, CancellationToken.None);
                sockets[i] = socket;
            }
            finally
            {
                gate.Release();
            }
        }));
        return sockets;
    }

    private static bool TryReadNumber(ReadOnlySpan<byte> json, ReadOnlySpan<byte> key, out long value)
    {
        value = 0;
        var at = json.IndexOf(key);
        if (at < 0)
            return false;
        var digits = json[(at + key.Length)..];
        var length = digits.IndexOfAnyExceptInRange((byte)'0', (byte)'9');
        return System.Buffers.Text.Utf8Parser.TryParse(length < 0 ? digits : digits[..length], out value, out _);
    }

    // utime + stime from /proc/PID/stat (fields 14 and 15, after the parenthesised command name), in seconds.
    private static double CpuSeconds(int pid)
    {
        var stat = File.ReadAllText($"/proc/{pid}/stat");
        var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
        return (long.Parse(fields[11], CultureInfo.InvariantCulture) + long.Parse(fields[12], CultureInfo.InvariantCulture)) / 100.0;
    }

    private static long Rss(int pid) => StatusField(pid, "VmRSS:");

    private static long Hwm(int pid) => StatusField(pid, "VmHWM:");

    private static long StatusField(int pid, string field)
    {
        var line = File.ReadLines($"/proc/{pid}/status").FirstOrDefault(l => l.StartsWith(field, StringComparison.Ordinal));
        return line is null ? 0 : long.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], CultureInfo.InvariantCulture) / 1024;
    }

    /// <summary>The soft limit on open files from /proc/self/limits; null when unlimited or unreadable.</summary>
    private static long? OpenFilesLimit()
    {
        try
        {
            var line = File.ReadLines("/proc/self/limits").FirstOrDefault(l => l.StartsWith("Max open files", StringComparison.Ordinal));
            var soft = line?["Max open files".Length..].Split(' ', StringSplitOptions.RemoveEmptyEntries)[0];
            return long.TryParse(soft, CultureInfo.InvariantCulture, out var value) ? value : null;
        }
        catch (IOException)
        {
            return null;
        }
    }

    private static double LoadAverage()
    {
        try
        {
            return double.Parse(File.ReadAllText("/proc/loadavg").Split(' ')[0], CultureInfo.InvariantCulture);
        }
        catch (IOException)
        {
            return double.NaN;
        }
    }
}

/// <summary>scripts/bench ws [CLIENTS [EVENTS]] and options; see scripts/bench.</summary>
internal sealed record WsOptions(
    string Server, string Database, int Clients, int Events, string? Client, Dictionary<string, string> ServiceEnvironment,
    string ServiceDll, string ResultsDirectory)
{
    public static WsOptions Parse(string[] args)
    {
        var values = new Dictionary<string, string>(StringComparer.Ordinal);
        var positional = new List<int>();
        for (var i = 0; i < args.Length; i++)
        {
            if (args[i].StartsWith("--", StringComparison.Ordinal) && i + 1 < args.Length)
                values[args[i]] = args[++i];
            else if (positional.Count < 2 && int.TryParse(args[i], CultureInfo.InvariantCulture, out var number))
                positional.Add(number);
            else
                throw new ArgumentException($"unknown argument {args[i]} (see scripts/bench for the options)");
        }
        int Int(string key, int index, int fallback) =>
            values.TryGetValue(key, out var v) ? int.Parse(v, CultureInfo.InvariantCulture) : index < positional.Count ? positional[index] : fallback;
        return new WsOptions(
            values.GetValueOrDefault("--server", "postgres://postgres@127.0.0.1:55432/postgres"),
            values.GetValueOrDefault("--database", "supportdesk_bench"),
            Int("--clients", 0, 1000),
            Int("--events", 1, 40),
            values.GetValueOrDefault("--client"),
            ServiceProcess.ParseEnvironment(values.GetValueOrDefault("--service-env")),
            values.GetValueOrDefault("--service", "bin/Release/net10.0/SupportDesk.dll"),
            values.GetValueOrDefault("--results", "bench/results"));
    }
}
