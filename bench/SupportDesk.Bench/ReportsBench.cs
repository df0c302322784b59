using System.Diagnostics;
using System.Globalization;
using System.Net.Http.Headers;
using System.Text;
using Dapper;
using Npgsql;
using SupportDesk.Features.Reports;
using SupportDesk.Features.Reports.ResponseTimesReport;
using SupportDesk.Features.Reports.SlaComplianceReport;
using SupportDesk.Features.Reports.VolumeReport;
using SupportDesk.Infrastructure.Configuration;
using SupportDesk.Infrastructure.Database;

namespace SupportDesk.Bench;

/// <summary>
/// scripts/bench reports: a year of tickets with their SLA facts (set-based SQL, not the routes), then each report over
/// random 30-day windows, one request at a time over HTTP, with and without filters; p95 per report, and the plans.
/// </summary>
internal static class ReportsBench
{
    // Each filter as agent0 (unrestricted), and once with no filter as agent1, whom the loader restricts to group 0.
    private static readonly (string Name, string Query, bool Restricted)[] Filters =
    [
        ("none", "", false), ("priority=high", "&priority=high", false), ("category", "&category=category-3", false),
        ("assignee", "&assignee_id={agent}", false), ("group", "&group_id={group}", false), ("organization", "&organization_id={organization}", false),
        ("restricted agent", "", true),
    ];

    private static readonly string[] Reports = ["/reports/response-times", "/reports/sla-compliance", "/reports/volume"];

    public static async Task<int> RunAsync(string[] args)
    {
        var o = ReportsOptions.Parse(args);
        void Log(string message) => Console.Error.WriteLine($"reports-bench: {message}");
        var server = new NpgsqlConnectionStringBuilder(DatabaseUrl.ToConnectionString(o.Server));
        var databaseConnection = new NpgsqlConnectionStringBuilder(server.ConnectionString) { Database = o.Database, CommandTimeout = 0 }.ConnectionString;
        var now = DateTime.UtcNow;

        if (!o.SkipLoad)
        {
            await BenchDatabase.RecreateAsync(server.ConnectionString, o.Database);
            MigrationRunner.MigrateUp(databaseConnection);
            var watch = Stopwatch.StartNew();
            await LoadAsync(databaseConnection, o.Tickets, now, Log);
            Log($"database {o.Database} filled in {watch.Elapsed.TotalMinutes:N1} min");
            if (o.LoadOnly)
                return 0;
        }
        else
        {
            // A database seeded by an earlier build gets this build's migrations (they fill what they add).
            MigrationRunner.MigrateUp(databaseConnection);
        }

        await using var dataSource = NpgsqlDataSource.Create(databaseConnection);
        await using var connection = await dataSource.OpenConnectionAsync();
        var sizes = await connection.QuerySingleAsync<(long Tickets, long Events, string DbSize, DateTime Oldest, DateTime Newest)>("""
            SELECT (SELECT count(*) FROM tickets), (SELECT count(*) FROM sla_events), pg_size_pretty(pg_database_size(current_database())),
                   (SELECT min(created_at) FROM tickets), (SELECT max(created_at) FROM tickets)
            """);
        // The loader gives agent0 and organization 1 no tickets: the filters take agent2 (1 ticket in 20), group 1 (1 in 9)
        // and organization 2 (1 in 50).
        var agent = await connection.QuerySingleAsync<Guid>("SELECT id FROM users WHERE email = 'agent2@bench.test'");
        var group = await connection.QuerySingleAsync<Guid>("SELECT id FROM groups WHERE name = 'Group 1'");
        var organization = await connection.QuerySingleAsync<Guid>("SELECT id FROM organizations WHERE name = 'Organization 2'");
        string Filled(string query) => query.Replace("{agent}", agent.ToString()).Replace("{group}", group.ToString()).Replace("{organization}", organization.ToString());
        Log($"{sizes.Tickets:N0} tickets, {sizes.Events:N0} SLA events ({sizes.DbSize})");

        var random = new Random(20261203);
        var span = (sizes.Newest - sizes.Oldest).TotalDays - 30;
        var windows = Enumerable.Range(0, o.Windows)
            .Select(_ => sizes.Oldest.AddDays(random.NextDouble() * span)).Select(from => (From: from, To: from.AddDays(30))).ToList();

        var report = new StringBuilder();
        report.AppendLine($"# Reports benchmark, {DateTime.UtcNow:yyyy-MM-dd HH:mm} UTC").AppendLine();
        report.AppendLine($"Load average at the start: {LoadAverage()}.").AppendLine();
        report.AppendLine($"{sizes.Tickets:N0} tickets over {(sizes.Newest - sizes.Oldest).TotalDays:N0} days, {sizes.Events:N0} SLA events; database {sizes.DbSize}. "
            + $"{o.Windows} random 30-day windows per report and filter, one request at a time over HTTP to the Release build on 127.0.0.1, "
            + $"after {o.Warmup} warm-up requests. Latency in ms (client-side, full response read).").AppendLine();

        var port = ServiceProcess.FreePort();
        using var service = ServiceProcess.Start(o.ServiceDll, databaseConnection, port, new() { ["RATE_LIMIT_PER_MINUTE"] = "10000000" }, Log);
        try
        {
            using var http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}"), Timeout = TimeSpan.FromSeconds(120) };
            await ServiceProcess.WaitReadyAsync(http, service);
            var login = new LatencyRunner(http, Log);
            var tokens = new Dictionary<bool, AuthenticationHeaderValue>
            {
                [false] = new("Bearer", await login.LoginAsync("agent0@bench.test", Loader.Password)),
                [true] = new("Bearer", await login.LoginAsync("agent1@bench.test", Loader.Password)),
            };

            report.AppendLine("| report | filter | requests | errors | p50 | p95 | p99 | max |");
            report.AppendLine("|---|---|---:|---:|---:|---:|---:|---:|");
            foreach (var path in Reports)
            {
                foreach (var (name, filter, restricted) in Filters)
                {
                    http.DefaultRequestHeaders.Authorization = tokens[restricted];
                    var latencies = new List<double>();
                    var errors = 0;
                    for (var i = -o.Warmup; i < windows.Count; i++)
                    {
                        var (from, to) = windows[(i + windows.Count) % windows.Count];
                        var url = $"{path}?from={from:yyyy-MM-ddTHH:mm:ssZ}&to={to:yyyy-MM-ddTHH:mm:ssZ}{Filled(filter)}";
                        var watch = Stopwatch.StartNew();
                        using var response = await http.GetAsync(url);
                        await response.Content.ReadAsByteArrayAsync();
                        watch.Stop();
                        if (i < 0)
                            continue;
                        if (!response.IsSuccessStatusCode)
                            errors++;
                        latencies.Add(watch.Elapsed.TotalMilliseconds);
                    }
                    latencies.Sort();
                    var line = $"| {path} | {name} | {latencies.Count} | {errors} | {P(latencies, 0.5):F1} | {P(latencies, 0.95):F1} | {P(latencies, 0.99):F1} | {latencies[^1]:F1} |";
                    Log($"{line} load {LoadAverage()}");
                    report.AppendLine(line);
                }
            }
        }
        finally
        {
            ServiceProcess.Stop(service);
        }
        report.AppendLine().AppendLine($"Load average at the end of the measurements: {LoadAverage()}.");

        // The plans of the exact statements for the middle window: without filters, and with the ones that match the
        // facts against the tickets as they are now (group, organization, the restricted agent's visibility).
        var (mf, mt) = windows.OrderBy(w => w.From).ElementAt(windows.Count / 2);
        var restrictedAgent = await connection.QuerySingleAsync<Guid>("SELECT id FROM users WHERE email = 'agent1@bench.test'");
        var none = new ReportFilter(mf, mt, null, null, null, false);
        foreach (var (label, f) in new[]
                 {
                     ("no filter", none), ("group", none with { GroupId = group }), ("organization", none with { OrganizationId = organization }),
                     ("restricted agent", none with { RestrictedAgentId = restrictedAgent }),
                 })
        {
            report.AppendLine().AppendLine($"## EXPLAIN (ANALYZE, BUFFERS), window {mf:yyyy-MM-dd} to {mt:yyyy-MM-dd}, {label}").AppendLine();
            foreach (var (name, sql) in new[]
                     {
                         ("response-times", ResponseTimesReportHandler.Sql(f)), ("sla-compliance", SlaComplianceReportHandler.Sql(f)),
                         ("volume: days", VolumeReportHandler.DaysSql(f)), ("volume: backlog before the window", VolumeReportHandler.BacklogBeforeSql(f)),
                         ("volume: backlog from now", VolumeReportHandler.BacklogFromNowSql(f)),
                     })
            {
                // As the handlers run it: in their read-only transaction, with its work_mem and the agent's groups.
                await using var transaction = await f.BeginReadAsync(connection, CancellationToken.None);
                var resolved = await f.ResolveAsync(connection, transaction, CancellationToken.None);
                var plan = await connection.QueryAsync<string>("EXPLAIN (ANALYZE, BUFFERS) " + sql, resolved.Parameters, transaction);
                report.AppendLine($"### {name}").AppendLine().AppendLine("```").AppendJoin('\n', plan).AppendLine().AppendLine("```").AppendLine();
            }
        }

        Directory.CreateDirectory(o.ResultsDirectory);
        var file = Path.Combine(o.ResultsDirectory, "reports-latest.md");
        await File.WriteAllTextAsync(file, report.ToString());
        Log($"wrote {file}");
        return 0;
    }

    private static string LoadAverage() =>
        File.Exists("/proc/loadavg") ? string.Join(' ', File.ReadAllText("/proc/loadavg").Split(' ').Take(3)) : "unknown";

    private static double P(List<double> sorted, double p) => sorted[Math.Clamp((int)Math.Ceiling(p * sorted.Count) - 1, 0, sorted.Count - 1)];

    /// <summary>
    /// A year up to now: ticket i is created at an even pace; 95 % are solved (resolved or closed) within minutes to days;
    /// each has a first-reply fulfil, each solved one a resolution fulfil, and one in ten a breach. 1,000 customers in
    /// 50 organizations (one in ten in none) and 8 groups (one ticket in nine in none); agent1 is restricted to group 0.
    /// One set-based statement per table into a throwaway database with its secondary indexes dropped and its triggers
    /// (foreign keys, search vector) off: session_replication_role = replica; the rows are consistent by construction.
    /// </summary>
    private static async Task LoadAsync(string connectionString, int tickets, DateTime now, Action<string> log)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        await connection.ExecuteAsync("SET maintenance_work_mem = '512MB'; SET synchronous_commit = off; SET session_replication_role = replica");
        var indexes = (await connection.QueryAsync<(string Name, string Definition)>("""
            SELECT i.indexrelid::regclass::text, pg_get_indexdef(i.indexrelid)
            FROM pg_index i
            WHERE i.indrelid IN ('tickets'::regclass, 'sla_events'::regclass) AND NOT i.indisprimary AND NOT i.indisunique
            """)).AsList();
        foreach (var (name, _) in indexes)
            await connection.ExecuteAsync($"DROP INDEX {name}");

        var hash = BCrypt.Net.BCrypt.HashPassword(Loader.Password, 4);
        var agents = Enumerable.Range(0, 20).Select(_ => Guid.CreateVersion7()).ToArray();
        var customers = Enumerable.Range(0, 1000).Select(_ => Guid.CreateVersion7()).ToArray();
        var organizations = Enumerable.Range(0, 50).Select(_ => Guid.CreateVersion7()).ToArray();
        var groups = Enumerable.Range(0, 8).Select(_ => Guid.CreateVersion7()).ToArray();
        await connection.ExecuteAsync("""
            INSERT INTO organizations (id, name) SELECT o.id, 'Organization ' || o.n FROM unnest(@Organizations::uuid[]) WITH ORDINALITY AS o(id, n);
            INSERT INTO groups (id, name) SELECT g.id, 'Group ' || g.n FROM unnest(@Groups::uuid[]) WITH ORDINALITY AS g(id, n);
            INSERT INTO users (id, email, password_hash, first_name, last_name, role, restricted_to_groups)
            SELECT a.id, 'agent' || (a.n - 1) || '@bench.test', @Hash, 'Bench', 'agent', 'agent', a.n = 2
            FROM unnest(@Agents::uuid[]) WITH ORDINALITY AS a(id, n);
            INSERT INTO users (id, email, password_hash, first_name, last_name, role, organization_id)
            SELECT c.id, 'customer' || (c.n - 1) || '@bench.test', @Hash, 'Bench', 'customer', 'customer',
                   CASE WHEN c.n % 10 <> 0 THEN (@Organizations::uuid[])[1 + c.n % 50] END
            FROM unnest(@Customers::uuid[]) WITH ORDINALITY AS c(id, n);
            INSERT INTO group_members (group_id, user_id)
            SELECT (@Groups::uuid[])[1 + (a.n - 1) % 8], a.id FROM unnest(@Agents::uuid[]) WITH ORDINALITY AS a(id, n);
            """, new { Organizations = organizations, Groups = groups, Agents = agents, Customers = customers, Hash = hash });

        var watch = Stopwatch.StartNew();
        await connection.ExecuteAsync(new CommandDefinition("""
            INSERT INTO tickets (id, title, description, status, priority, category, requester_id, assignee_id, created_by, group_id,
                                 created_at, updated_at, resolved_at, closed_at)
            SELECT gen_random_uuid(), 'Bench ticket ' || i, 'Report load',
                   CASE WHEN i % 20 = 0 THEN 'open' WHEN i % 10 = 1 THEN 'closed' ELSE 'resolved' END,
                   (ARRAY['low', 'medium', 'high', 'urgent'])[1 + i % 4], 'category-' || (i % 10),
                   (@Customers::uuid[])[1 + (i * 13) % 1000],
                   CASE WHEN i % 5 = 0 THEN NULL ELSE (@Agents::uuid[])[1 + (i * 7) % 20] END,
                   (@Customers::uuid[])[1 + (i * 13) % 1000],
                   CASE WHEN i % 9 <> 0 THEN (@Groups::uuid[])[1 + i % 8] END,
                   c.created, c.created,
                   CASE WHEN i % 20 <> 0 AND i % 10 <> 1 THEN c.created + make_interval(mins => 30 + (i * 37) % 4320) END,
                   CASE WHEN i % 10 = 1 THEN c.created + make_interval(mins => 60 + (i * 53) % 7200) END
            FROM generate_series(0, @N - 1) AS i,
                 LATERAL (SELECT @Start::timestamptz + make_interval(secs => i * (365 * 86400.0 / @N)) AS created) c
            """, new { N = tickets, Start = now.AddDays(-365), Agents = agents, Customers = customers, Groups = groups }, commandTimeout: 0));
        log($"loaded {tickets:N0} tickets in {watch.Elapsed.TotalSeconds:N0} s");

        watch.Restart();
        await connection.ExecuteAsync(new CommandDefinition("""
            INSERT INTO sla_events (id, ticket_id, target, kind, at, policy_id, priority, category, assignee_id, due_at, elapsed_ms, counted_ms, late)
            SELECT gen_random_uuid(), t.id, 'first_reply', 'fulfil', t.created_at + make_interval(mins => m.minutes), '00000000-0000-0000-0000-000000000001'::uuid,
                   t.priority, t.category, t.assignee_id, t.created_at + interval '4 hours', m.minutes * 60000, m.minutes * 36000, m.minutes > 240
            FROM tickets t, LATERAL (SELECT (1 + (t.number * 37) % 480)::int AS minutes) m
            UNION ALL
            SELECT gen_random_uuid(), t.id, 'resolution', 'fulfil', t.solved_at, '00000000-0000-0000-0000-000000000001'::uuid,
                   t.priority, t.category, t.assignee_id, t.created_at + interval '2 days',
                   (extract(epoch FROM t.solved_at - t.created_at) * 1000)::bigint, (extract(epoch FROM t.solved_at - t.created_at) * 400)::bigint,
                   t.solved_at > t.created_at + interval '2 days'
            FROM tickets t WHERE t.solved_at IS NOT NULL
            UNION ALL
            SELECT gen_random_uuid(), t.id, 'first_reply', 'breach', t.created_at + interval '4 hours', '00000000-0000-0000-0000-000000000001'::uuid,
                   t.priority, t.category, t.assignee_id, t.created_at + interval '4 hours', NULL, NULL, NULL
            FROM tickets t WHERE t.number % 10 = 3
            """, commandTimeout: 0));
        log($"loaded the SLA events in {watch.Elapsed.TotalSeconds:N0} s");

        watch.Restart();
        foreach (var (_, definition) in indexes)
            await connection.ExecuteAsync(new CommandDefinition(definition, commandTimeout: 0));
        await connection.ExecuteAsync(new CommandDefinition("VACUUM ANALYZE", commandTimeout: 0));
        log($"rebuilt {indexes.Count} indexes and analyzed in {watch.Elapsed.TotalSeconds:N0} s");
    }
}

internal sealed record ReportsOptions(string Server, string Database, int Tickets, int Windows, int Warmup, bool SkipLoad, bool LoadOnly, string ServiceDll, string ResultsDirectory)
{
    public static ReportsOptions Parse(string[] args)
    {
        var values = new Dictionary<string, string>(StringComparer.Ordinal);
        var skip = false;
        var loadOnly = false;
        for (var i = 0; i < args.Length; i++)
        {
            if (args[i] is "--skip-load")
                skip = true;
            else if (args[i] is "--load-only")
                loadOnly = true;
            else if (args[i].StartsWith("--", StringComparison.Ordinal) && i + 1 < args.Length)
                values[args[i]] = args[++i];
            else
                throw new ArgumentException($"unknown argument {args[i]}");
        }
        int Int(string key, int fallback) => values.TryGetValue(key, out var v) ? int.Parse(v, CultureInfo.InvariantCulture) : fallback;
        return new ReportsOptions(
            values.GetValueOrDefault("--server", "postgres://postgres@127.0.0.1:55432/postgres"),
            values.GetValueOrDefault("--database", "supportdesk_bench_reports"),
            Int("--tickets", 1_000_000), Int("--windows", 40), Int("--warmup", 5), skip, loadOnly,
            values.GetValueOrDefault("--service", "bin/Release/net10.0/SupportDesk.dll"),
            values.GetValueOrDefault("--results", "bench/results"));
    }
}
