using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Net.WebSockets;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using Dapper;
using MailKit.Net.Smtp;
using MailKit.Security;
using MimeKit;
using Npgsql;
using SupportDesk.Infrastructure.Configuration;
using SupportDesk.Infrastructure.Realtime;

namespace SupportDesk.Bench;

/// <summary>
/// scripts/bench inbound: the Release service with its SMTP listener on loopback; MESSAGES mails (a mix of new mails,
/// replies by In-Reply-To, mails with an attachment and auto-replies) sent over CONCURRENCY SMTP connections; messages
/// per second from the first DATA to the last mail visible, and latency from each 250 to the moment the admin's
/// WebSocket receives the event the mail caused (ticket.created or comment.created, matched by the key each mail
/// carries). The database judges at the end; CPU of the service, PostgreSQL and the bench over the measured phase.
/// Measures; asserts nothing.
/// </summary>
internal static partial class InboundBench
{
    private const string Support = "support@bench.supportdesk.test";
    // The warm-up ends once the service's JIT took less than this share of one core during a round.
    private const double JitSettledShare = 0.02;
    private static readonly TimeSpan WaitLimit = TimeSpan.FromSeconds(120);
    // After this long without a new event the database is asked whether anything is still to come.
    private static readonly TimeSpan QuietBeforeCheck = TimeSpan.FromSeconds(2);

    /// <summary>A generated mail; Key is in its Subject and in its new text, so the event it causes names it.</summary>
    private sealed record Mail(string Key, string Kind, MimeMessage Message)
    {
        public string StoredMessageId => $"<{Message.MessageId}>";
    }

    public static async Task<int> RunAsync(string[] args)
    {
        string server = "", serviceDll = "", results = "bench/results", database = "supportdesk_bench_inbound";
        int messages = 2000, concurrency = 8, warmup = 200, jitSettleRounds = 6;
        double rate = 0;
        var serviceEnv = new Dictionary<string, string>();
        for (var i = 0; i < args.Length; i++)
        {
            string Next() => args[++i];
            switch (args[i])
            {
                case "--server": server = Next(); break;
                case "--service": serviceDll = Next(); break;
                case "--results": results = Next(); break;
                case "--database": database = Next(); break;
                case "--messages": messages = int.Parse(Next(), CultureInfo.InvariantCulture); break;
                case "--concurrency": concurrency = int.Parse(Next(), CultureInfo.InvariantCulture); break;
                case "--rate": rate = double.Parse(Next(), CultureInfo.InvariantCulture); break;
                case "--warmup": warmup = int.Parse(Next(), CultureInfo.InvariantCulture); break;
                case "--jit-settle-rounds": jitSettleRounds = int.Parse(Next(), CultureInfo.InvariantCulture); break;
                case "--service-env": serviceEnv = ServiceProcess.ParseEnvironment(Next()); break;
                default: Console.Error.WriteLine($"inbound-bench: unknown option {args[i]}"); return 2;
            }
        }
        void Log(string message) => Console.Error.WriteLine($"inbound-bench: {message}");

        var serverCs = new NpgsqlConnectionStringBuilder(DatabaseUrl.ToConnectionString(server));
        var connectionString = new NpgsqlConnectionStringBuilder(serverCs.ConnectionString) { Database = database }.ConnectionString;
        await BenchDatabase.RecreateAsync(serverCs.ConnectionString, database);

        var adminEmail = "bench-admin@example.com";
        var adminPassword = $"bench-password-{Random.Shared.Next():x8}";
        var port = ServiceProcess.FreePort();
        var smtpPort = ServiceProcess.FreePort();
        using var service = ServiceProcess.Start(serviceDll, connectionString, port, new Dictionary<string, string>
        {
            ["BCRYPT_WORK_FACTOR"] = "4",
            ["RATE_LIMIT_PER_MINUTE"] = "10000000",
            ["RATE_LIMIT_AUTH_PER_MINUTE"] = "10000000",
            ["ADMIN_EMAIL"] = adminEmail,
            ["ADMIN_PASSWORD"] = adminPassword,
            ["EMAIL_FROM"] = $"SupportDesk <{Support}>",
            ["INBOUND_SMTP_PORT"] = smtpPort.ToString(CultureInfo.InvariantCulture),
            ["INBOUND_SMTP_BIND"] = "127.0.0.1",
            ["INBOUND_MAX_TICKETS_PER_SENDER_PER_HOUR"] = "1000000",
        }.Concat(serviceEnv).ToDictionary(), Log);
        try
        {
            using var http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}") };
            await ServiceProcess.WaitReadyAsync(http, service);
            var login = await http.PostAsJsonAsync("/auth/login", new { email = adminEmail, password = adminPassword });
            login.EnsureSuccessStatusCode();
            var token = (await login.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("access_token").GetString()!;
            http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);

            var clock = Stopwatch.StartNew();
            // The admin is staff: it hears every ticket's events, private comments (auto-replies on a ticket) included.
            await using var watcher = await EventWatcher.StartAsync(new Uri($"ws://127.0.0.1:{port}{RealtimeSetup.WebSocketPath}"), token, clock, Log);
            await using var db = NpgsqlDataSource.Create(connectionString);

            async Task<TimeSpan> WarmBatchAsync(string tag)
            {
                var started = Stopwatch.GetTimestamp();
                var batch = Mix(warmup, tag);
                await SendAsync(smtpPort, concurrency, batch, new ConcurrentDictionary<string, long>(), clock);
                await WaitVisibleAsync(watcher, db, batch, tag, Log);
                return Stopwatch.GetElapsedTime(started);
            }

            // A fresh process runs unoptimised code at first and the tiered JIT recompiles the hot paths for a while
            // (a quarter of the service's CPU in an unwarmed profile): a fixed batch first, then more of the same mix
            // until the service's own JIT time, from its /metrics, falls below a share of one core. The methods count
            // says why it has not: with DOTNET_TieredCompilation=0 it drops to a few per round, so it is tiering, not
            // code generated per mail.
            var jitShares = new List<double>();
            if (warmup > 0)
            {
                var first = await WarmBatchAsync("warmup");
                Log($"warm-up: {warmup} mails visible after {first.TotalSeconds:F1} s");
                var jitBefore = await JitAsync(http);
                for (var round = 1; round <= jitSettleRounds && jitBefore.Seconds is not null; round++)
                {
                    var took = await WarmBatchAsync($"warm{round}");
                    var jitAfter = await JitAsync(http);
                    var share = (jitAfter.Seconds - jitBefore.Seconds) / took.TotalSeconds ?? double.NaN;
                    jitShares.Add(share);
                    Log($"warm-up round {round}: {warmup} mails in {took.TotalSeconds:F1} s, the service's JIT took {share:P1} of a core"
                        + $" ({jitAfter.Methods - jitBefore.Methods:F0} methods compiled)");
                    jitBefore = jitAfter;
                    if (share < JitSettledShare)
                        break;
                }
            }

            var mails = Mix(messages, "bench");
            var accepted = new ConcurrentDictionary<string, long>();
            var jitStart = await JitAsync(http);
            var cpu = CpuMeter.Start(service.Id, database);
            var start = clock.ElapsedTicks;
            await SendAsync(smtpPort, concurrency, mails, accepted, clock, rate);
            var sent = TimeSpan.FromTicks((clock.ElapsedTicks - start) * TimeSpan.TicksPerSecond / Stopwatch.Frequency);
            await WaitVisibleAsync(watcher, db, mails, "measured", Log);
            var usage = await cpu.StopAsync();
            var jitEnd = await JitAsync(http);

            var visible = watcher.Visible;
            var seen = mails.Where(m => visible.ContainsKey(m.Key) && accepted.ContainsKey(m.Key)).ToList();
            var latencies = seen.Select(m => (visible[m.Key] - accepted[m.Key]) * 1000.0 / Stopwatch.Frequency).Order().ToArray();
            var last = (seen.Select(m => visible[m.Key]).DefaultIfEmpty(start).Max() - start) * 1.0 / Stopwatch.Frequency;
            double P(double q) => latencies.Length == 0 ? double.NaN : latencies[Math.Min(latencies.Length - 1, (int)(q * latencies.Length))];

            // The database is the judge: what the service did with each mail, whatever the watcher saw.
            var measuredStatus = await StatusCountsAsync(db, mails.Select(m => m.StoredMessageId).ToArray());
            var allStatus = await StatusCountsAsync(db, null);
            var unseen = mails.Where(m => !visible.ContainsKey(m.Key)).ToList();
            string Counts(Dictionary<string, int> byStatus) =>
                string.Join(", ", byStatus.Where(s => s.Key != "processed").Select(s => $"{s.Key} {s.Value}").DefaultIfEmpty("nothing else"));

            var warmText = warmup == 0 ? "no warm-up"
                : $"after a warm-up of {warmup} mails and {jitShares.Count} more round{(jitShares.Count == 1 ? "" : "s")} of {warmup} to let the service's JIT settle below {JitSettledShare:P0} of a core ("
                  + (jitShares.Count > 0 && jitShares[^1] < JitSettledShare ? $"reached in round {jitShares.Count}" : $"not reached in {jitShares.Count}, at most {jitSettleRounds}") + ")";
            var report = new StringBuilder();
            report.AppendLine(CultureInfo.InvariantCulture, $"# Inbound email bench ({DateTime.UtcNow:yyyy-MM-dd HH:mm} UTC)");
            report.AppendLine();
            report.AppendLine(CultureInfo.InvariantCulture, $"- {messages} mails over {concurrency} SMTP connections{(rate > 0 ? $", offered at {rate:F0} mails/s (paced)" : ", as fast as they go")}: 50 % new mails, 25 % replies (In-Reply-To), 15 % with a PNG attachment, 10 % auto-replies; {warmText}");
            if (jitShares.Count > 0)
                report.AppendLine(CultureInfo.InvariantCulture, $"- warm-up rounds, the service's JIT per round: {string.Join(", ", jitShares.Select(s => s.ToString("P1", CultureInfo.InvariantCulture)))} of a core");
            report.AppendLine(CultureInfo.InvariantCulture, $"- all accepted (250) after {sent.TotalSeconds:F2} s: {messages / sent.TotalSeconds:F0} mails/s into the store");
            report.AppendLine(CultureInfo.InvariantCulture, $"- {latencies.Length} visible (their event on the admin's WebSocket) after {last:F2} s: {latencies.Length / last:F0} mails/s end to end");
            report.AppendLine(CultureInfo.InvariantCulture, $"- latency from 250 to visible: p50 {P(0.50):F0} ms, p90 {P(0.90):F0} ms, p99 {P(0.99):F0} ms, max {(latencies.Length > 0 ? latencies[^1] : double.NaN):F0} ms");
            var unseenKinds = unseen.Count == 0 ? "" : $" (without an event: {string.Join(", ", unseen.GroupBy(m => m.Kind).Select(g => $"{g.Count()} {g.Key}"))})";
            report.AppendLine(CultureInfo.InvariantCulture, $"- {measuredStatus.GetValueOrDefault("processed")} of {messages} processed in the database ({Counts(measuredStatus)}); the watcher saw {messages - unseen.Count} of {messages}{unseenKinds}; the whole run with the warm-up: {allStatus.GetValueOrDefault("processed")} of {allStatus.Values.Sum()} processed ({Counts(allStatus)})");
            report.AppendLine(CultureInfo.InvariantCulture, $"- events on the WebSocket over the run: {watcher.TicketsCreated} ticket.created, {watcher.Comments} comment.created ({watcher.PrivateComments} private: auto-replies on a ticket; this mix's auto-replies answer no mail, so they open tickets), {watcher.Other} others, {watcher.Keyless} without a key, {watcher.Duplicates} repeated; reconnects {watcher.Reconnects}");
            report.AppendLine(CultureInfo.InvariantCulture, $"- CPU from the first measured mail sent to the last one visible ({usage.WallSeconds:F1} s, /proc utime+stime):");
            report.AppendLine(CultureInfo.InvariantCulture, $"  - service: {usage.ServiceSeconds:F2} s, {usage.ServiceSeconds * 1000 / messages:F1} ms per mail (its JIT meanwhile, by its own clock: {jitEnd.Seconds - jitStart.Seconds:F2} s, {jitEnd.Methods - jitStart.Methods:F0} methods)");
            report.AppendLine(CultureInfo.InvariantCulture, $"  - PostgreSQL (all {usage.PostgresProcesses} postgres processes on the machine, sampled every 500 ms): {usage.PostgresSeconds:F2} s, {usage.PostgresSeconds * 1000 / messages:F1} ms per mail; of it the backends of {database}: {usage.BenchDatabaseSeconds:F2} s, {usage.BenchDatabaseSeconds * 1000 / messages:F1} ms per mail");
            report.AppendLine(CultureInfo.InvariantCulture, $"  - this bench: {usage.BenchSeconds:F2} s, {usage.BenchSeconds * 1000 / messages:F1} ms per mail");
            report.AppendLine(CultureInfo.InvariantCulture, $"- load average (1 min) {usage.LoadStart:F2} at the start, {usage.LoadEnd:F2} at the end");
            Console.Write(report);
            Directory.CreateDirectory(results);
            await File.WriteAllTextAsync(Path.Combine(results, "inbound-latest.md"), report.ToString());
            return 0;
        }
        finally
        {
            ServiceProcess.Stop(service);
        }
    }

    /// <param name="rate">Mails per second offered (0: as fast as the connections go). Paced, the i-th mail leaves at
    /// start + i / rate whatever the service's answers, so a service slower than the rate shows as growing latency.</param>
    private static async Task SendAsync(int smtpPort, int concurrency, List<Mail> mails, ConcurrentDictionary<string, long> accepted, Stopwatch clock,
        double rate = 0)
    {
        var queue = new ConcurrentQueue<Mail>(mails);
        var started = clock.ElapsedTicks;
        var taken = 0;
        await Task.WhenAll(Enumerable.Range(0, concurrency).Select(async _ =>
        {
            using var smtp = new SmtpClient();
            await smtp.ConnectAsync("127.0.0.1", smtpPort, SecureSocketOptions.None);
            while (queue.TryDequeue(out var mail))
            {
                if (rate > 0)
                {
                    var due = started + (long)(Interlocked.Increment(ref taken) / rate * Stopwatch.Frequency);
                    var wait = (due - clock.ElapsedTicks) * 1000.0 / Stopwatch.Frequency;
                    if (wait > 1)
                        await Task.Delay(TimeSpan.FromMilliseconds(wait));
                }
                await smtp.SendAsync(mail.Message);
                accepted[mail.Key] = clock.ElapsedTicks;
            }
            await smtp.DisconnectAsync(true);
        }));
    }

    /// <summary>
    /// Until every mail of the batch has its event, at most <see cref="WaitLimit"/>. After a quiet spell the database
    /// decides: once none of the batch waits to be processed, a mail still without an event will not get one.
    /// </summary>
    private static async Task WaitVisibleAsync(EventWatcher watcher, NpgsqlDataSource db, List<Mail> batch, string label, Action<string> log)
    {
        var started = Stopwatch.GetTimestamp();
        var lastCheck = started;
        var ids = batch.Select(m => m.StoredMessageId).ToArray();
        for (var next = 0; ; await Task.Delay(20))
        {
            // Keys arrive roughly in order: skip past the seen ones, then count the rest only when it matters.
            while (next < batch.Count && watcher.Visible.ContainsKey(batch[next].Key))
                next++;
            if (next == batch.Count)
                return;
            if (Stopwatch.GetElapsedTime(started) > WaitLimit)
            {
                log($"{label}: {Missing()} of {batch.Count} mails without an event after {WaitLimit.TotalSeconds:F0} s");
                return;
            }
            if (watcher.QuietFor < QuietBeforeCheck || Stopwatch.GetElapsedTime(lastCheck) < QuietBeforeCheck)
                continue;
            lastCheck = Stopwatch.GetTimestamp();
            await using var connection = await db.OpenConnectionAsync();
            var pending = await connection.ExecuteScalarAsync<long>(
                "SELECT count(*) FROM inbound_messages WHERE message_id = ANY(@Ids) AND status IN ('received', 'processing')", new { Ids = ids });
            if (pending > 0)
                continue;
            // An event NOTIFYed at the last commit may still be on its way.
            await Task.Delay(500);
            if (Missing() > 0)
            {
                log($"{label}: the database has none of the {batch.Count} mails waiting, but {Missing()} had no event: "
                    + string.Join(", ", batch.Where(m => !watcher.Visible.ContainsKey(m.Key)).GroupBy(m => m.Kind).Select(g => $"{g.Count()} {g.Key}")));
                return;
            }
        }
        int Missing() => batch.Count(m => !watcher.Visible.ContainsKey(m.Key));
    }

    /// <summary>inbound_messages by status: of these Message-IDs, or (null) of every row.</summary>
    private static async Task<Dictionary<string, int>> StatusCountsAsync(NpgsqlDataSource db, string[]? ids)
    {
        await using var connection = await db.OpenConnectionAsync();
        var rows = ids is null
            ? await connection.QueryAsync<(string Status, int Count)>("SELECT status, count(*)::int FROM inbound_messages GROUP BY status ORDER BY status")
            : await connection.QueryAsync<(string Status, int Count)>(
                "SELECT status, count(*)::int FROM inbound_messages WHERE message_id = ANY(@Ids) GROUP BY status ORDER BY status", new { Ids = ids });
        return rows.ToDictionary(r => r.Status, r => r.Count, StringComparer.Ordinal);
    }

    /// <summary>
    /// The service's cumulative JIT time and compiled methods (the System.Runtime meter on /metrics, open to loopback);
    /// null when absent. The count tells tiering that settles from code generated per mail, which never does.
    /// </summary>
    private static async Task<(double? Seconds, double? Methods)> JitAsync(HttpClient http)
    {
        double? seconds = null, methods = null;
        try
        {
            foreach (var line in (await http.GetStringAsync("/metrics")).Split('\n'))
            {
                var space = line.IndexOf(' ');
                if (space < 0 || line.StartsWith('#'))
                    continue;
                var name = line[..space];
                if (name == "system_runtime_dotnet_jit_compilation_time")
                    seconds = double.Parse(line.AsSpan(space + 1), CultureInfo.InvariantCulture);
                else if (name.StartsWith("system_runtime_dotnet_jit_compiled_methods", StringComparison.Ordinal))
                    methods = double.Parse(line.AsSpan(space + 1), CultureInfo.InvariantCulture);
            }
        }
        catch (HttpRequestException)
        {
        }
        return (seconds, methods);
    }

    [GeneratedRegex(@"bk-[a-z0-9]+-\d+", RegexOptions.CultureInvariant)]
    private static partial Regex KeyPattern();

    private static List<Mail> Mix(int count, string tag)
    {
        var mails = new List<Mail>(count);
        var opened = new List<MimeMessage>();
        var png = new byte[20_000];
        Random.Shared.NextBytes(png);
        new byte[] { 0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A }.CopyTo(png, 0);
        for (var i = 0; i < count; i++)
        {
            var kind = i % 20;
            var key = $"bk-{tag}-{i}";
            var from = $"customer{i % 500}@bench-customers.test";
            var mail = new MimeMessage { MessageId = $"{tag}-{i}-{Guid.NewGuid():N}@client.test", Subject = $"Problem number {i} {key}" };
            mail.From.Add(MailboxAddress.Parse(from));
            mail.To.Add(MailboxAddress.Parse(Support));
            var text = $"Hello,\n\nsomething is wrong with item {i} ({key}). It started this morning.\n\nRegards\n-- \nCustomer {i}";
            var label = kind < 15 ? "new" : kind < 18 ? "attachment" : "auto-reply";
            if (kind is >= 10 and < 15 && opened.Count > 0)
            {
                // A reply to an earlier mail of the batch, quoting it. The subject then holds the original's key too
                // (a title takes its last key); the new text, all a comment keeps, holds only this one's.
                var original = opened[Random.Shared.Next(opened.Count)];
                mail.InReplyTo = original.MessageId;
                mail.References.Add(original.MessageId!);
                mail.Subject = $"Re: {original.Subject} {key}";
                text = $"More details for item {i} ({key}).\n\nOn Wed, Dec 2, 2026 at 10:00 AM someone wrote:\n> {original.Subject}";
                label = "reply";
            }
            if (kind is >= 15 and < 18)
            {
                var builder = new BodyBuilder { TextBody = text };
                builder.Attachments.Add("screenshot.png", png, new ContentType("image", "png"));
                mail.Body = builder.ToMessageBody();
            }
            else
                mail.Body = new TextPart("plain") { Text = text };
            if (kind >= 18)
                mail.Headers.Add("Auto-Submitted", "auto-replied");
            else if (kind < 10)
                opened.Add(mail);
            mails.Add(new Mail(key, label, mail));
        }
        return mails;
    }

    /// <summary>
    /// One WebSocket as the admin, read on its own task: notes when each mail's key first arrives, in ticket.created
    /// (the title: a new mail, an auto-reply without a thread, or a reply that found no ticket) or comment.created
    /// (the content: a reply, or an auto-reply on a ticket as a private note). Reconnects if the server closes it;
    /// what is missed meanwhile is not sent again, so the database check at the end counts it.
    /// </summary>
    private sealed class EventWatcher : IAsyncDisposable
    {
        private readonly Uri _uri;
        private readonly string _token;
        private readonly Stopwatch _clock;
        private readonly Action<string> _log;
        private readonly CancellationTokenSource _stop = new();
        private readonly TaskCompletionSource _connected = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private Task _reading = Task.CompletedTask;
        private long _lastEvent;

        private EventWatcher(Uri uri, string token, Stopwatch clock, Action<string> log)
        {
            _uri = uri;
            _token = token;
            _clock = clock;
            _log = log;
        }

        /// <summary>Key → clock ticks of its first event.</summary>
        public ConcurrentDictionary<string, long> Visible { get; } = new(StringComparer.Ordinal);
        public int TicketsCreated { get; private set; }
        public int Comments { get; private set; }
        public int PrivateComments { get; private set; }
        public int Other { get; private set; }
        public int Keyless { get; private set; }
        public int Duplicates { get; private set; }
        public int Reconnects { get; private set; }

        public TimeSpan QuietFor => TimeSpan.FromSeconds((_clock.ElapsedTicks - Interlocked.Read(ref _lastEvent)) / (double)Stopwatch.Frequency);

        public static async Task<EventWatcher> StartAsync(Uri uri, string token, Stopwatch clock, Action<string> log)
        {
            var watcher = new EventWatcher(uri, token, clock, log);
            watcher._reading = Task.Run(watcher.ReadAsync);
            // Before any mail is sent, or its event would go to nobody.
            await watcher._connected.Task.WaitAsync(TimeSpan.FromSeconds(30));
            return watcher;
        }

        private async Task ReadAsync()
        {
            var buffer = new byte[64 * 1024];
            while (!_stop.IsCancellationRequested)
            {
                using var socket = new ClientWebSocket();
                socket.Options.SetRequestHeader("Authorization", $"Bearer {_token}");
                try
                {
                    await socket.ConnectAsync(_uri, _stop.Token);
                    _connected.TrySetResult();
                    var length = 0;
                    while (true)
                    {
                        if (length == buffer.Length)
                            Array.Resize(ref buffer, buffer.Length * 2);
                        var result = await socket.ReceiveAsync(buffer.AsMemory(length), _stop.Token);
                        if (result.MessageType == WebSocketMessageType.Close)
                        {
                            _log($"watcher: the server closed the WebSocket ({socket.CloseStatus} {socket.CloseStatusDescription}); reconnecting");
                            break;
                        }
                        length += result.Count;
                        if (!result.EndOfMessage)
                            continue;
                        Record(buffer.AsMemory(0, length), _clock.ElapsedTicks);
                        length = 0;
                    }
                }
                catch (OperationCanceledException) when (_stop.IsCancellationRequested)
                {
                    return;
                }
                catch (WebSocketException e)
                {
                    _log($"watcher: WebSocket failed ({e.Message}); reconnecting");
                }
                Reconnects++;
                try
                {
                    await Task.Delay(250, _stop.Token);
                }
                catch (OperationCanceledException)
                {
                    return;
                }
            }
        }

        private void Record(ReadOnlyMemory<byte> message, long now)
        {
            string? key;
            try
            {
                using var document = JsonDocument.Parse(message);
                var root = document.RootElement;
                var data = root.TryGetProperty("data", out var d) && d.ValueKind == JsonValueKind.Object ? d : default;
                switch (root.TryGetProperty("type", out var type) ? type.GetString() : null)
                {
                    case RealtimeEventTypes.TicketCreated when data.ValueKind == JsonValueKind.Object:
                        TicketsCreated++;
                        key = KeyPattern().Matches(Text(data, "title")) is { Count: > 0 } keys ? keys[^1].Value : null;
                        break;
                    case RealtimeEventTypes.CommentCreated when data.ValueKind == JsonValueKind.Object:
                        Comments++;
                        if (Text(data, "comment_type") == "private")
                            PrivateComments++;
                        key = KeyPattern().Match(Text(data, "content")) is { Success: true } match ? match.Value : null;
                        break;
                    default:
                        Other++;
                        return;
                }
            }
            catch (JsonException)
            {
                Other++;
                return;
            }
            if (key is null)
                Keyless++;
            else if (!Visible.TryAdd(key, now))
                Duplicates++;
            else
                Interlocked.Exchange(ref _lastEvent, now);
        }

        private static string Text(JsonElement data, string property) =>
            data.TryGetProperty(property, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString()! : "";

        public async ValueTask DisposeAsync()
        {
            await _stop.CancelAsync();
            await _reading;
            _stop.Dispose();
        }
    }

    private sealed record CpuUsage(double WallSeconds, double ServiceSeconds, double PostgresSeconds, int PostgresProcesses,
        double BenchDatabaseSeconds, double BenchSeconds, double LoadStart, double LoadEnd);

    /// <summary>
    /// CPU over one phase from /proc (utime + stime, 100 ticks a second): the service and this process at the start and
    /// the end; every PostgreSQL process every 500 ms as well, so a backend that comes and goes within the phase counts
    /// (from zero when it appeared during the phase; up to its last sample when it left).
    /// </summary>
    private sealed class CpuMeter
    {
        private sealed class Postgres
        {
            public long Base;
            public long Last;
            public bool Titled; // its title ("postgres: user database …") was read; a fresh fork still shows the postmaster's
            public bool BenchDatabase;
        }

        private const double TicksPerSecond = 100;
        private readonly Dictionary<(int Pid, long Started), Postgres> _postgres = [];
        private readonly HashSet<(int Pid, long Started)> _others = [];
        private readonly CancellationTokenSource _stop = new();
        private readonly int _servicePid;
        private readonly string _database;
        private readonly long _started = Stopwatch.GetTimestamp();
        private long _serviceBase;
        private TimeSpan _benchBase;
        private double _loadStart;
        private Task _sampling = Task.CompletedTask;

        private CpuMeter(int servicePid, string database)
        {
            _servicePid = servicePid;
            _database = database;
        }

        public static CpuMeter Start(int servicePid, string database)
        {
            var meter = new CpuMeter(servicePid, database) { _loadStart = LoadAverage() };
            meter.Scan(initial: true);
            meter._serviceBase = Stat(servicePid)?.Ticks ?? 0;
            meter._benchBase = BenchTime();
            meter._sampling = meter.SampleAsync();
            return meter;
        }

        public async Task<CpuUsage> StopAsync()
        {
            await _stop.CancelAsync();
            await _sampling;
            var service = (Stat(_servicePid)?.Ticks ?? _serviceBase) - _serviceBase;
            var bench = BenchTime() - _benchBase;
            Scan(initial: false);
            _stop.Dispose();
            return new CpuUsage(Stopwatch.GetElapsedTime(_started).TotalSeconds, service / TicksPerSecond,
                _postgres.Values.Sum(p => p.Last - p.Base) / TicksPerSecond, _postgres.Count,
                _postgres.Values.Where(p => p.BenchDatabase).Sum(p => p.Last - p.Base) / TicksPerSecond, bench.TotalSeconds,
                _loadStart, LoadAverage());
        }

        private async Task SampleAsync()
        {
            using var timer = new PeriodicTimer(TimeSpan.FromMilliseconds(500));
            try
            {
                while (await timer.WaitForNextTickAsync(_stop.Token))
                    Scan(initial: false);
            }
            catch (OperationCanceledException)
            {
            }
        }

        private void Scan(bool initial)
        {
            foreach (var directory in Directory.EnumerateDirectories("/proc"))
            {
                if (!int.TryParse(Path.GetFileName(directory), CultureInfo.InvariantCulture, out var pid) || Stat(pid) is not { } stat)
                    continue;
                var key = (pid, stat.Started);
                if (_others.Contains(key))
                    continue;
                if (!_postgres.TryGetValue(key, out var process))
                {
                    // The brief's rule, "cmdline starts with postgres" (the backends' titles), plus the postmaster by its file name.
                    if (Command(pid) is not { } command || !(command.StartsWith("postgres", StringComparison.Ordinal)
                            || Path.GetFileName(command.Split(' ')[0]) == "postgres"))
                    {
                        _others.Add(key);
                        continue;
                    }
                    _postgres[key] = process = new Postgres { Base = initial ? stat.Ticks : 0 };
                }
                if (!process.Titled && Command(pid) is { } title && title.StartsWith("postgres: ", StringComparison.Ordinal))
                {
                    process.Titled = true;
                    // "postgres: user database host(port) state"
                    process.BenchDatabase = title.Split(' ', StringSplitOptions.RemoveEmptyEntries) is [_, _, var database, ..] && database == _database;
                }
                process.Last = stat.Ticks;
            }
        }

        /// <summary>utime + stime and the start time (fields 14, 15 and 22, after the parenthesised command name).</summary>
        private static (long Ticks, long Started)? Stat(int pid)
        {
            try
            {
                var stat = File.ReadAllText($"/proc/{pid}/stat");
                var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
                return (long.Parse(fields[11], CultureInfo.InvariantCulture) + long.Parse(fields[12], CultureInfo.InvariantCulture),
                    long.Parse(fields[19], CultureInfo.InvariantCulture));
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                return null; // gone between the listing and the read
            }
        }

        private static string? Command(int pid)
        {
            try
            {
                return File.ReadAllText($"/proc/{pid}/cmdline").Replace('\0', ' ').Trim();
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                return null;
            }
        }

        private static TimeSpan BenchTime()
        {
            using var self = Process.GetCurrentProcess();
            return self.TotalProcessorTime;
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
}
