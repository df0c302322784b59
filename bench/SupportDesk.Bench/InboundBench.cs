using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Dapper;
using MailKit.Net.Smtp;
using MailKit.Security;
using MimeKit;
using Npgsql;
using SupportDesk.Infrastructure.Configuration;

namespace SupportDesk.Bench;

/// <summary>
/// scripts/bench inbound: the Release service with its SMTP listener on loopback; MESSAGES mails (a mix of new mails,
/// replies by In-Reply-To, mails with an attachment and auto-replies) sent over CONCURRENCY SMTP connections; messages
/// per second from the first DATA to the last mail visible as processed over the API, and latency from each 250 to
/// the moment GET /inbound-messages shows it processed with its ticket. Measures; asserts nothing.
/// </summary>
internal static class InboundBench
{
    private const string Support = "support@bench.supportdesk.test";

    public static async Task<int> RunAsync(string[] args)
    {
        string server = "", serviceDll = "", results = "bench/results", database = "supportdesk_bench_inbound";
        int messages = 2000, concurrency = 8, warmup = 200;
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
                case "--warmup": warmup = int.Parse(Next(), CultureInfo.InvariantCulture); break;
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
            var token = (await login.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("access_token").GetString();
            http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);

            var accepted = new ConcurrentDictionary<string, long>();
            var visible = new ConcurrentDictionary<string, long>();
            var clock = Stopwatch.StartNew();
            using var stopWatching = new CancellationTokenSource();
            var watcher = WatchAsync(http, visible, clock, stopWatching.Token);

            // A fresh process compiles its hot paths for the first thousand mails or so (the tiered JIT); a warm-up of
            // the same mix first measures the service as it runs, not its start.
            if (warmup > 0)
            {
                var warm = Mix(warmup, "warmup");
                await SendAsync(smtpPort, concurrency, warm, new ConcurrentDictionary<string, long>(), clock);
                var warmDeadline = DateTime.UtcNow.AddSeconds(120);
                while (warm.Any(m => !visible.ContainsKey($"<{m.MessageId}>")) && DateTime.UtcNow < warmDeadline)
                    await Task.Delay(50);
                Log($"warm-up: {warmup} mails processed after {clock.Elapsed.TotalSeconds:F1} s");
            }

            var mails = Mix(messages, "bench");
            var start = clock.ElapsedTicks;
            await SendAsync(smtpPort, concurrency, mails, accepted, clock);
            var sent = TimeSpan.FromTicks((clock.ElapsedTicks - start) * TimeSpan.TicksPerSecond / Stopwatch.Frequency);
            var deadline = DateTime.UtcNow.AddSeconds(120);
            while (mails.Any(m => !visible.ContainsKey($"<{m.MessageId}>")) && DateTime.UtcNow < deadline)
                await Task.Delay(50);
            await stopWatching.CancelAsync();
            await watcher;

            var latencies = accepted.Where(a => visible.ContainsKey(a.Key))
                .Select(a => (visible[a.Key] - a.Value) * 1000.0 / Stopwatch.Frequency).Order().ToArray();
            var last = (accepted.Keys.Where(visible.ContainsKey).Select(k => visible[k]).DefaultIfEmpty(start).Max() - start) * 1.0 / Stopwatch.Frequency;
            double P(double q) => latencies.Length == 0 ? double.NaN : latencies[Math.Min(latencies.Length - 1, (int)(q * latencies.Length))];
            var report = new StringBuilder();
            report.AppendLine($"# Inbound email bench ({DateTime.UtcNow:yyyy-MM-dd HH:mm} UTC)");
            report.AppendLine();
            report.AppendLine($"- {messages} mails over {concurrency} SMTP connections: 50 % new mails, 25 % replies (In-Reply-To), 15 % with a PNG attachment, 10 % auto-replies; after a warm-up of {warmup} mails");
            report.AppendLine($"- all accepted (250) after {sent.TotalSeconds:F2} s: {messages / sent.TotalSeconds:F0} mails/s into the store");
            report.AppendLine($"- {latencies.Length} visible as processed over the API after {last:F2} s: {latencies.Length / last:F0} mails/s end to end");
            report.AppendLine($"- latency from 250 to visible: p50 {P(0.50):F0} ms, p90 {P(0.90):F0} ms, p99 {P(0.99):F0} ms, max {(latencies.Length > 0 ? latencies[^1] : double.NaN):F0} ms");
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

    private static async Task SendAsync(int smtpPort, int concurrency, List<MimeMessage> mails, ConcurrentDictionary<string, long> accepted, Stopwatch clock)
    {
        var queue = new ConcurrentQueue<MimeMessage>(mails);
        await Task.WhenAll(Enumerable.Range(0, concurrency).Select(async _ =>
        {
            using var smtp = new SmtpClient();
            await smtp.ConnectAsync("127.0.0.1", smtpPort, SecureSocketOptions.None);
            while (queue.TryDequeue(out var mail))
            {
                await smtp.SendAsync(mail);
                accepted[$"<{mail.MessageId}>"] = clock.ElapsedTicks;
            }
            await smtp.DisconnectAsync(true);
        }));
    }

    /// <summary>
    /// Polls the admin list (newest first, 20 a page) every 25 ms and notes when each mail first shows as done with its ticket;
    /// it reads on while a page holds any new one, so a burst or an out-of-order commit is not missed.
    /// </summary>
    private static async Task WatchAsync(HttpClient http, ConcurrentDictionary<string, long> visible, Stopwatch clock, CancellationToken ct)
    {
        const int Page = 20;
        while (!ct.IsCancellationRequested)
        {
            try
            {
                for (var offset = 0; offset < 10_000; offset += Page)
                {
                    var page = await http.GetFromJsonAsync<JsonElement>($"/inbound-messages?status=processed&limit={Page}&offset={offset}", ct);
                    var now = clock.ElapsedTicks;
                    var items = page.GetProperty("items").EnumerateArray().ToList();
                    var fresh = 0;
                    foreach (var item in items)
                        if (item.GetProperty("message_id").GetString() is { } id && visible.TryAdd(id, now))
                            fresh++;
                    // Batches commit out of received order (two workers; a reply that waited for its original), so a
                    // new one may sit below known ones: read on until a whole page is known.
                    if (fresh == 0 || items.Count < Page)
                        break;
                }
                await Task.Delay(25, ct);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }

    private static List<MimeMessage> Mix(int count, string tag)
    {
        var mails = new List<MimeMessage>(count);
        var opened = new List<MimeMessage>();
        var png = new byte[20_000];
        Random.Shared.NextBytes(png);
        new byte[] { 0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A }.CopyTo(png, 0);
        for (var i = 0; i < count; i++)
        {
            var kind = i % 20;
            var from = $"customer{i % 500}@bench-customers.test";
            var mail = new MimeMessage { MessageId = $"{tag}-{i}-{Guid.NewGuid():N}@client.test", Subject = $"Problem number {i}" };
            mail.From.Add(MailboxAddress.Parse(from));
            mail.To.Add(MailboxAddress.Parse(Support));
            var text = $"Hello,\n\nsomething is wrong with item {i}. It started this morning.\n\nRegards\n-- \nCustomer {i}";
            if (kind is >= 10 and < 15 && opened.Count > 0)
            {
                // A reply to an earlier mail of the run, quoting it.
                var original = opened[Random.Shared.Next(opened.Count)];
                mail.InReplyTo = original.MessageId;
                mail.References.Add(original.MessageId!);
                mail.Subject = "Re: " + original.Subject;
                text = $"More details for item {i}.\n\nOn Wed, Dec 2, 2026 at 10:00 AM someone wrote:\n> {original.Subject}";
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
            mails.Add(mail);
        }
        return mails;
    }
}
