using System.Diagnostics;
using System.Net.Http.Json;
using System.Net.WebSockets;
using System.Text.Json;
using Microsoft.Extensions.Options;
using Npgsql;
using SupportDesk.Infrastructure.Json;
using SupportDesk.Infrastructure.Realtime;
using SupportDesk.WsBench;

// usage: SupportDesk.WsBench BASE_URL DATABASE_CONNECTION_STRING ADMIN_EMAIL ADMIN_PASSWORD SERVER_PID CLIENTS EVENTS
// Opens CLIENTS sockets as one staff user (who receives every ticket event), publishes EVENTS events through
// PostgreSQL the way the service does, and reports commit-to-arrival latency over every delivery, plus server RSS.
if (args.Length != 7)
{
    Console.Error.WriteLine("usage: SupportDesk.WsBench BASE_URL CONNECTION_STRING ADMIN_EMAIL ADMIN_PASSWORD SERVER_PID CLIENTS EVENTS");
    return 2;
}
var baseUrl = new Uri(args[0]);
var connectionString = SupportDesk.Infrastructure.Configuration.DatabaseUrl.ToConnectionString(args[1]);
var serverPid = int.Parse(args[4]);
var clients = int.Parse(args[5]);
var eventCount = int.Parse(args[6]);

using var http = new HttpClient { BaseAddress = baseUrl };
var login = await http.PostAsJsonAsync("/auth/login", new { email = args[2], password = args[3] });
login.EnsureSuccessStatusCode();
var token = (await login.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("access_token").GetString()!;

var wsUri = new Uri($"ws://{baseUrl.Authority}/ws");
var latencies = new List<double>[clients];
for (var i = 0; i < clients; i++)
    latencies[i] = new List<double>(eventCount);
var expected = eventCount;
const int WarmUp = 2;
var warmUpDeliveries = 0L;
var done = new CountdownEvent(clients);
var received = new int[clients];
var slowest = new long[eventCount]; // per event, its latest delivery (ticks after it was sent)
// Every client's reader calls this with each message and the time it arrived; one client is never two readers at once.
void Record(int client, ReadOnlySpan<byte> message, long now)
{
    // Two numbers out of the envelope, without building a document: the client shares the server's cores,
    // and every microsecond it spends per message shows up as latency of the messages behind it.
    if (!TryReadNumber(message, "\"bench_sent_at\":"u8, out var sent) || !TryReadNumber(message, "\"seq\":"u8, out var seq))
        return;
    // The first events warm up the JIT on both sides: counted, but reported apart.
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
    if (++received[client] == expected)
        done.Signal();
}

// lean (default on Linux x64): epoll and plain sockets, see LeanClients. clientwebsocket: .NET's ClientWebSocket,
// one async reader each, as an application would use it; it costs the shared cores about 100 ms per event more.
var clientKind = Environment.GetEnvironmentVariable("WS_BENCH_CLIENT") is { Length: > 0 } kind ? kind
    : LeanClients.Supported ? "lean" : "clientwebsocket";
LeanClients? lean = null;
ClientWebSocket[] sockets = [];
var connectWatch = Stopwatch.StartNew();
switch (clientKind)
{
    case "lean" when LeanClients.Supported:
        lean = LeanClients.Connect(wsUri, token, clients, parallel: 16);
        break;
    case "clientwebsocket":
        sockets = await ConnectClientWebSocketsAsync(wsUri, token, clients);
        break;
    default:
        Console.Error.WriteLine($"WS_BENCH_CLIENT={clientKind}: use lean (Linux x64 only) or clientwebsocket");
        return 2;
}
Console.WriteLine($"connected {clients} clients ({clientKind}) in {connectWatch.Elapsed.TotalSeconds:0.0} s; server RSS {Rss(serverPid)} MB");

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
            while (received[i] < expected)
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
// The connect burst leaves the JIT's background tiering busy for seconds; events wait until the server is quiet
// (at most 30 s), so they measure the steady state. Then idle: what the open sockets cost with nothing to send.
var settleWatch = Stopwatch.StartNew();
for (var busy = double.MaxValue; busy > 0.05 && settleWatch.Elapsed < TimeSpan.FromSeconds(30);)
{
    var before = CpuSeconds(serverPid);
    await Task.Delay(1000);
    busy = CpuSeconds(serverPid) - before;
}
var idleBefore = CpuSeconds(serverPid);
await Task.Delay(3000);
Console.WriteLine($"server settled after {settleWatch.Elapsed.TotalSeconds - 3:0} s; CPU while idle: {(CpuSeconds(serverPid) - idleBefore) / 3:0.00} s per s");
var serverCpuBefore = CpuSeconds(serverPid);
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
    peakRss = Math.Max(peakRss, Rss(serverPid));
}

var finished = done.Wait(TimeSpan.FromSeconds(60));
var eventsSeconds = eventsWatch.Elapsed.TotalSeconds;
var serverCpu = CpuSeconds(serverPid) - serverCpuBefore;
var clientCpu = CpuSeconds(Environment.ProcessId) - clientCpuBefore;
var all = latencies.Where(l => l is not null).SelectMany(l => l).Order().ToArray();
var missing = (long)clients * eventCount - all.Length - warmUpDeliveries;
Console.WriteLine($"deliveries {all.Length + warmUpDeliveries} of {(long)clients * eventCount} (missing {missing}{(finished ? "" : ", timed out")}); latency below excludes the first {WarmUp} (warm-up) events");
if (all.Length > 0)
{
    Console.WriteLine($"latency ms: p50 {Pct(all, 0.50):0.0}  p99 {Pct(all, 0.99):0.0}  max {all[^1]:0.0}");
    // One late event moves p99 on its own; this shows whether the tail is every event or a few.
    Console.WriteLine("last delivery of each event, ms: " + string.Join(' ', slowest.Skip(WarmUp).Select(t => (t / (double)TimeSpan.TicksPerMillisecond).ToString("0"))));
}
// Where the two cores went while events were delivered: the service, or this client process.
Console.WriteLine($"CPU while events were sent ({eventsSeconds:0.0} s): server {serverCpu:0.00} s ({serverCpu * 1000 / eventCount:0} ms per event), "
    + $"client {clientCpu:0.00} s ({clientCpu * 1000 / eventCount:0} ms per event)");
Console.WriteLine($"server RSS: {Rss(serverPid)} MB now, {peakRss} MB peak during events, VmHWM {Hwm(serverPid)} MB");
if (lean is not null)
    Console.WriteLine($"client sockets closed by the server: {lean.Closed}");
lean?.Dispose();
foreach (var socket in sockets)
    socket.Abort();
return 0;

static async Task<ClientWebSocket[]> ConnectClientWebSocketsAsync(Uri wsUri, string token, int clients)
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

static bool TryReadNumber(ReadOnlySpan<byte> json, ReadOnlySpan<byte> key, out long value)
{
    value = 0;
    var at = json.IndexOf(key);
    if (at < 0)
        return false;
    var digits = json[(at + key.Length)..];
    var length = digits.IndexOfAnyExceptInRange((byte)'0', (byte)'9');
    return System.Buffers.Text.Utf8Parser.TryParse(length < 0 ? digits : digits[..length], out value, out _);
}

static double Pct(double[] sorted, double p) => sorted[Math.Clamp((int)Math.Ceiling(p * sorted.Length) - 1, 0, sorted.Length - 1)];

// utime + stime from /proc/PID/stat (fields 14 and 15, after the parenthesised command name), in seconds.
static double CpuSeconds(int pid)
{
    var stat = File.ReadAllText($"/proc/{pid}/stat");
    var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
    return (long.Parse(fields[11]) + long.Parse(fields[12])) / 100.0;
}

static long Rss(int pid) => StatusField(pid, "VmRSS:");

static long Hwm(int pid) => StatusField(pid, "VmHWM:");

static long StatusField(int pid, string field)
{
    var line = File.ReadLines($"/proc/{pid}/status").FirstOrDefault(l => l.StartsWith(field, StringComparison.Ordinal));
    return line is null ? 0 : long.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1]) / 1024;
}
