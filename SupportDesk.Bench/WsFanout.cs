using System.Diagnostics;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Net.WebSockets;
using System.Text.Json;

namespace SupportDesk.Bench;

public sealed record WsResult(
    int Clients, double ConnectSeconds, int EventsSent, int EventErrors, long Expected, long Delivered, long Missing,
    double P50, double P99, double Max, long RssIdleMb, long RssPeakMb);

/// <summary>
/// N WebSocket clients (staff, who receive every ticket event) stay connected while tickets are updated over HTTP at a
/// fixed rate; each ticket.updated delivery is timed from the moment its PATCH was sent.
/// </summary>
internal static class WsFanout
{
    private const int WarmUpEvents = 5;

    public static async Task<WsResult> RunAsync(Uri baseUri, HttpClient http, IReadOnlyList<BenchUser> agents, IReadOnlyList<SampleTicket> tickets,
        int clients, double rate, TimeSpan duration, int serverPid, Action<string> log)
    {
        var run = Random.Shared.Next(100_000, 999_999).ToString(System.Globalization.CultureInfo.InvariantCulture);
        var prefix = $"WS bench {run} ";
        var maxEvents = (int)Math.Ceiling(rate * duration.TotalSeconds) + 1;
        var sentAt = new long[maxEvents];
        var rssIdle = Rss(serverPid);

        var sockets = new ClientWebSocket[clients];
        var latencies = new List<double>[clients];
        var delivered = new long[clients];
        var connectWatch = Stopwatch.StartNew();
        var wsUri = new Uri($"ws://{baseUri.Authority}/ws");
        using (var gate = new SemaphoreSlim(50))
        {
            await Task.WhenAll(Enumerable.Range(0, clients).Select(async i =>
            {
                await gate.WaitAsync();
                try
                {
                    var socket = new ClientWebSocket();
                    socket.Options.SetRequestHeader("Authorization", $"Bearer {agents[i % agents.Count].Token}");
                    socket.Options.KeepAliveInterval = TimeSpan.Zero;
                    await socket.ConnectAsync(wsUri, CancellationToken.None);
                    sockets[i] = socket;
                    latencies[i] = new List<double>(maxEvents);
                }
                finally
                {
                    gate.Release();
                }
            }));
        }
        var connectSeconds = connectWatch.Elapsed.TotalSeconds;
        log($"  websocket: {clients} clients connected in {connectSeconds:0.0} s; server RSS {rssIdle} MB before");

        using var stop = new CancellationTokenSource();
        var readers = Enumerable.Range(0, clients).Select(i => Task.Run(async () =>
        {
            var buffer = new byte[64 * 1024];
            using var message = new MemoryStream();
            try
            {
                while (!stop.IsCancellationRequested)
                {
                    var result = await sockets[i].ReceiveAsync(buffer, stop.Token);
                    if (result.MessageType == WebSocketMessageType.Close)
                        return;
                    message.Write(buffer, 0, result.Count);
                    if (!result.EndOfMessage)
                        continue;
                    var now = Stopwatch.GetTimestamp();
                    var seq = Sequence(message.GetBuffer().AsMemory(0, (int)message.Length), prefix);
                    message.SetLength(0);
                    if (seq < 0 || seq >= maxEvents || sentAt[seq] == 0)
                        continue;
                    delivered[i]++;
                    if (seq >= WarmUpEvents)
                        latencies[i].Add((now - sentAt[seq]) * 1000.0 / Stopwatch.Frequency);
                }
            }
            catch (Exception e) when (e is OperationCanceledException or WebSocketException)
            {
            }
        })).ToArray();

        var errors = 0;
        var sent = 0;
        var peak = rssIdle;
        var begin = Stopwatch.GetTimestamp();
        var pending = new List<Task>();
        for (var seq = 0; seq < maxEvents - 1; seq++)
        {
            var due = begin + (long)(seq / rate * Stopwatch.Frequency);
            var wait = (due - Stopwatch.GetTimestamp()) * 1000 / Stopwatch.Frequency;
            if (wait > 0)
                await Task.Delay(TimeSpan.FromMilliseconds(wait));
            var n = seq;
            pending.Add(Task.Run(async () =>
            {
                using var request = new HttpRequestMessage(HttpMethod.Patch, $"/tickets/{tickets[n % tickets.Count].Id}")
                {
                    Content = JsonContent.Create(new { title = prefix + n }),
                };
                request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", agents[n % agents.Count].Token);
                sentAt[n] = Stopwatch.GetTimestamp();
                try
                {
                    using var response = await http.SendAsync(request);
                    await response.Content.ReadAsByteArrayAsync();
                    if (response.IsSuccessStatusCode)
                        Interlocked.Increment(ref sent);
                    else if (Interlocked.Increment(ref errors) <= 3)
                        log($"  websocket: PATCH answered {(int)response.StatusCode}");
                }
                catch (HttpRequestException e)
                {
                    if (Interlocked.Increment(ref errors) <= 3)
                        log($"  websocket: PATCH failed: {e.Message}");
                }
            }));
            if (seq % 10 == 0)
                peak = Math.Max(peak, Rss(serverPid));
        }
        await Task.WhenAll(pending);

        // Let the last deliveries arrive.
        var expected = (long)clients * sent;
        for (var i = 0; i < 100 && delivered.Sum() < expected; i++)
            await Task.Delay(100);
        peak = Math.Max(peak, Rss(serverPid));
        stop.Cancel();
        foreach (var socket in sockets)
            socket?.Abort();
        await Task.WhenAll(readers);

        var all = latencies.Where(l => l is not null).SelectMany(l => l).ToArray();
        Array.Sort(all);
        var got = delivered.Sum();
        return new WsResult(clients, connectSeconds, sent, errors, expected, got, Math.Max(0, expected - got),
            ThroughputRunner.Percentile(all, 0.50), ThroughputRunner.Percentile(all, 0.99), all.Length == 0 ? 0 : all[^1], rssIdle, peak);
    }

    /// <summary>The number in a ticket.updated event whose new title is prefix + number; -1 for any other message.</summary>
    private static int Sequence(ReadOnlyMemory<byte> json, string prefix)
    {
        using var document = JsonDocument.Parse(json);
        var root = document.RootElement;
        if (root.GetProperty("type").GetString() != "ticket.updated"
            || !root.TryGetProperty("data", out var data) || !data.TryGetProperty("changes", out var changes))
            return -1;
        foreach (var change in changes.EnumerateArray())
        {
            if (change.GetProperty("field").GetString() == "title" && change.GetProperty("new").GetString() is { } title
                && title.StartsWith(prefix, StringComparison.Ordinal) && int.TryParse(title.AsSpan(prefix.Length), out var seq))
                return seq;
        }
        return -1;
    }

    private static long Rss(int pid)
    {
        try
        {
            var line = File.ReadLines($"/proc/{pid}/status").FirstOrDefault(l => l.StartsWith("VmRSS:", StringComparison.Ordinal));
            return line is null ? 0 : long.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1]) / 1024;
        }
        catch (IOException)
        {
            return 0;
        }
    }
}
