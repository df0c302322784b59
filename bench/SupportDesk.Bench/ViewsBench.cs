using System.Diagnostics;
using System.Globalization;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Dapper;
using Npgsql;
using SupportDesk.Features.Tickets;
using SupportDesk.Features.Tickets.ListTickets;
using SupportDesk.Infrastructure.Auth;
using SupportDesk.Infrastructure.Configuration;
using SupportDesk.Infrastructure.Database;

namespace SupportDesk.Bench;

/// <summary>
/// scripts/bench views: the throughput data set (groups, custom fields and SLA targets included), twenty saved views of
/// one agent (personal, shared with everyone, shared with the agent's team), then one request at a time over HTTP:
/// GET /views/counts, and each view's GET /views/{id}/tickets interleaved with GET /tickets of the same filters; p95 of
/// each, then per view the capped count against the full count and the planner's estimate, and the plans.
/// </summary>
internal static class ViewsBench
{
    public static async Task<int> RunAsync(string[] args)
    {
        var o = ViewsOptions.Parse(args);
        void Log(string message) => Console.Error.WriteLine($"views-bench: {message}");
        DefaultTypeMap.MatchNamesWithUnderscores = true;
        var server = new NpgsqlConnectionStringBuilder(DatabaseUrl.ToConnectionString(o.Server));
        var databaseConnection = new NpgsqlConnectionStringBuilder(server.ConnectionString) { Database = o.Database, CommandTimeout = 0 }.ConnectionString;

        if (!o.SkipLoad)
        {
            await BenchDatabase.RecreateAsync(server.ConnectionString, o.Database);
            MigrationRunner.MigrateUp(databaseConnection);
            await using var loadSource = NpgsqlDataSource.Create(databaseConnection);
            var watch = Stopwatch.StartNew();
            // The lists and counts read tickets only: few comments and articles keep the load short.
            await new Loader(loadSource, new TextGenerator(seed: 20261125), Log).LoadAsync(o.Tickets, o.Tickets / 10, 1_000, 1_000, 20, bcryptCost: 4);
            Log($"database {o.Database} filled in {watch.Elapsed.TotalMinutes:N1} min");
        }

        await using var dataSource = NpgsqlDataSource.Create(databaseConnection);
        await using var connection = await dataSource.OpenConnectionAsync();
        var sizes = await connection.QuerySingleAsync<string>("""
            SELECT format('%s tickets (%s in a group, %s with an SLA due time, %s breached), %s groups; database %s',
                (SELECT count(*) FROM tickets), (SELECT count(*) FROM tickets WHERE group_id IS NOT NULL),
                (SELECT count(*) FROM tickets WHERE sla_due_at IS NOT NULL),
                (SELECT count(*) FROM ticket_sla_targets WHERE breached_at IS NOT NULL AND fulfilled_at IS NULL),
                (SELECT count(*) FROM groups), pg_size_pretty(pg_database_size(current_database())))
            """);
        Log(sizes);
        var agents = (await connection.QueryAsync<(Guid Id, string Email)>(
            "SELECT id, email FROM users WHERE role = 'agent' AND email LIKE 'agent%@bench.test' ORDER BY email")).ToList();
        var me = agents.Single(a => a.Email == "agent0@bench.test");
        var myGroups = (await connection.QueryAsync<Guid>("SELECT group_id FROM group_members WHERE user_id = @Id ORDER BY group_id", new { me.Id })).ToArray();
        var noGroup = (await connection.QueryAsync<Guid>("SELECT id FROM groups WHERE id <> ALL(@myGroups) ORDER BY id LIMIT 1", new { myGroups })).Single();
        var newest = await connection.QuerySingleAsync<DateTime>("SELECT max(created_at) FROM tickets");
        // Leftovers of an earlier run (this database is the benchmark's own).
        await connection.ExecuteAsync("DELETE FROM ticket_views");

        var soon = DateTime.UtcNow.AddHours(8).ToString("yyyy-MM-ddTHH:mm:ssZ", CultureInfo.InvariantCulture);
        var week = newest.AddDays(-7).ToString("yyyy-MM-ddTHH:mm:ssZ", CultureInfo.InvariantCulture);
        var team = myGroups[0].ToString();
        var views = new (string Name, string Owner, string Sharing, Dictionary<string, string> Filters)[]
        {
            ("Unassigned open", "agent0", "personal", new() { ["status"] = "open", ["assignee_id"] = "none" }),
            ("My work", "agent0", "personal", new() { ["assignee_id"] = "me", ["status"] = "open,in_progress" }),
            ("My pending", "agent0", "personal", new() { ["assignee_id"] = "me", ["status"] = "pending" }),
            ("Urgent, not solved", "agent1", "everyone", new() { ["priority"] = "urgent", ["status"] = "open,in_progress,pending" }),
            ("Urgent and unassigned in my team", "agent2", "groups", new() { ["priority"] = "urgent,high", ["assignee_id"] = "none", ["group_id"] = team }),
            ("Team queue", "agent2", "groups", new() { ["group_id"] = team, ["status"] = "open" }),
            ("Other team, unsolved", "agent1", "everyone", new() { ["group_id"] = noGroup.ToString(), ["status"] = "open,in_progress,pending" }),
            ("No team yet", "agent1", "everyone", new() { ["group_id"] = "none", ["status"] = "open" }),
            ("Breached", "agent1", "everyone", new() { ["sla_breached"] = "true" }),
            ("Breached in my team", "agent2", "groups", new() { ["sla_breached"] = "true", ["group_id"] = team }),
            ("Due within 8 hours", "agent0", "personal", new() { ["sla_due_before"] = soon, ["sla_breached"] = "false", ["sort"] = "sla_due_at" }),
            ("Agents' queue", "agent1", "everyone", new() { ["status"] = "open,in_progress", ["sort"] = "sla_due_at" }),
            ("Printer issues, open", "agent1", "everyone", new() { ["tag"] = "printer", ["status"] = "open" }),
            ("VPN", "agent0", "personal", new() { ["tag"] = "vpn" }),
            ("Enterprise, open", "agent1", "everyone", new() { ["field.plan"] = "enterprise", ["status"] = "open" }),
            ("Enterprise, urgent", "agent2", "groups", new() { ["field.plan"] = "enterprise", ["priority"] = "urgent" }),
            ("One order", "agent0", "personal", new() { ["field.order_number"] = Loader.OrderNumber(123_456) }),
            ("Billing, pending", "agent1", "everyone", new() { ["category"] = "billing", ["status"] = "pending" }),
            ("New this week", "agent1", "everyone", new() { ["created_after"] = week, ["status"] = "open" }),
            ("Low and solved", "agent0", "personal", new() { ["priority"] = "low", ["status"] = "resolved" }),
        };

        var report = new StringBuilder();
        var loadBefore = File.ReadAllText("/proc/loadavg").Split(' ')[0];
        report.AppendLine($"# Views benchmark, {DateTime.UtcNow:yyyy-MM-dd HH:mm} UTC").AppendLine();
        report.AppendLine($"{sizes}. {views.Length} views that agent0 sees (personal, shared with everyone, shared with agent0's team); "
            + $"one request at a time over HTTP to the Release build on 127.0.0.1, {o.Requests} measured requests per route after {o.Warmup} warm-up ones. "
            + $"Latency in ms (client-side, full response read). {Environment.ProcessorCount} cores, load average {loadBefore} at the start.").AppendLine();

        var port = ServiceProcess.FreePort();
        using var service = ServiceProcess.Start(o.ServiceDll, databaseConnection, port, new() { ["RATE_LIMIT_PER_MINUTE"] = "10000000" }, Log);
        var viewIds = new List<Guid>();
        try
        {
            using var http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}"), Timeout = TimeSpan.FromSeconds(120) };
            await ServiceProcess.WaitReadyAsync(http, service);
            var runner = new LatencyRunner(http, Log);
            var tokens = new Dictionary<string, string>();
            foreach (var owner in views.Select(v => v.Owner).Distinct())
                tokens[owner] = await runner.LoginAsync($"{owner}@bench.test", Loader.Password);
            // agent2 shares with agent0's team, so it must be a member too.
            var agent2 = agents.Single(a => a.Email == "agent2@bench.test").Id;
            await connection.ExecuteAsync("INSERT INTO group_members (group_id, user_id) VALUES (@Group, @agent2) ON CONFLICT DO NOTHING", new { Group = myGroups[0], agent2 });
            for (var i = 0; i < views.Length; i++)
            {
                var (name, owner, sharing, filters) = views[i];
                using var request = new HttpRequestMessage(HttpMethod.Post, "/views")
                {
                    Content = JsonContent.Create(new { name, position = i, shared_with = sharing, group_ids = sharing == "groups" ? new[] { myGroups[0] } : null, filters }),
                };
                request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", tokens[owner]);
                using var response = await http.SendAsync(request);
                var body = await response.Content.ReadAsStringAsync();
                if (!response.IsSuccessStatusCode)
                    throw new InvalidOperationException($"saving view '{name}': {(int)response.StatusCode} {body}");
                viewIds.Add(JsonDocument.Parse(body).RootElement.GetProperty("id").GetGuid());
            }
            http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", tokens["agent0"]);

            async Task<(double Ms, string Body)> TimeAsync(string url)
            {
                var watch = Stopwatch.StartNew();
                using var response = await http.GetAsync(url);
                var body = await response.Content.ReadAsStringAsync();
                watch.Stop();
                if (!response.IsSuccessStatusCode)
                    throw new InvalidOperationException($"{url}: {(int)response.StatusCode} {body[..Math.Min(300, body.Length)]}");
                return (watch.Elapsed.TotalMilliseconds, body);
            }

            // The counts, as a sidebar asks for them.
            var counts = new List<double>();
            string lastCounts = "";
            for (var i = -o.Warmup; i < o.Requests; i++)
            {
                var (ms, body) = await TimeAsync("/views/counts");
                if (i >= 0)
                    counts.Add(ms);
                lastCounts = body;
            }
            counts.Sort();
            var seen = JsonDocument.Parse(lastCounts).RootElement.EnumerateArray().Count(c => viewIds.Contains(c.GetProperty("view_id").GetGuid()));
            if (seen != views.Length)
                throw new InvalidOperationException($"agent0 sees {seen} of the {views.Length} views");

            // Each view's first page and the plain list of the same filters, alternating, so both see the same machine.
            var inView = new List<double>();
            var plain = new List<double>();
            var perView = new Dictionary<int, (List<double> View, List<double> List)>();
            for (var i = -o.Warmup; i < o.Requests; i++)
            {
                var v = (i + o.Requests * views.Length) % views.Length;
                var query = string.Join("&", views[v].Filters.Select(f => $"{Uri.EscapeDataString(f.Key)}={Uri.EscapeDataString(f.Value)}"));
                var first = i % 2 == 0;
                var a = await TimeAsync(first ? $"/views/{viewIds[v]}/tickets?limit=20" : $"/tickets?{query}&limit=20");
                var b = await TimeAsync(first ? $"/tickets?{query}&limit=20" : $"/views/{viewIds[v]}/tickets?limit=20");
                var (viewMs, listMs) = first ? (a.Ms, b.Ms) : (b.Ms, a.Ms);
                if (i < 0)
                    continue;
                inView.Add(viewMs);
                plain.Add(listMs);
                if (!perView.TryGetValue(v, out var lists))
                    perView[v] = lists = ([], []);
                lists.View.Add(viewMs);
                lists.List.Add(listMs);
            }
            inView.Sort();
            plain.Sort();
            var loadAfter = File.ReadAllText("/proc/loadavg").Split(' ')[0];

            report.AppendLine("| route | requests | p50 | p95 | p99 | max |").AppendLine("|---|---:|---:|---:|---:|---:|");
            report.AppendLine($"| GET /views/counts ({views.Length} views) | {counts.Count} | {P(counts, 0.5):F1} | {P(counts, 0.95):F1} | {P(counts, 0.99):F1} | {counts[^1]:F1} |");
            report.AppendLine($"| GET /views/{{id}}/tickets?limit=20 (the {views.Length} in turn) | {inView.Count} | {P(inView, 0.5):F1} | {P(inView, 0.95):F1} | {P(inView, 0.99):F1} | {inView[^1]:F1} |");
            report.AppendLine($"| GET /tickets?<the same filters>&limit=20 | {plain.Count} | {P(plain, 0.5):F1} | {P(plain, 0.95):F1} | {P(plain, 0.99):F1} | {plain[^1]:F1} |");
            report.AppendLine().AppendLine($"Load average {loadBefore} before, {loadAfter} after. p95 in a view / p95 of the list route: {P(inView, 0.95) / P(plain, 0.95):F2}.").AppendLine();

            // Per view: the capped count (what the route runs), the full count and the planner's estimate of it.
            var catalog = await TicketViews.CatalogAsync(connection, CancellationToken.None);
            var user = new CurrentUser(me.Id, Roles.Parse("agent"));
            report.AppendLine("| view | filters | view p95 | list p95 | capped count | ms | full count | ms | planner's estimate |");
            report.AppendLine("|---|---|---:|---:|---:|---:|---:|---:|---:|");
            var plans = new StringBuilder();
            for (var v = 0; v < views.Length; v++)
            {
                var (query, errors) = TicketViews.Resolve(views[v].Filters, catalog, user);
                if (query is null)
                    throw new InvalidOperationException($"view {views[v].Name}: {TicketViews.Stale(errors)}");
                var parameters = new DynamicParameters(ListTicketsHandler.ParametersFor(query));
                parameters.Add("Cap", TicketViews.CountCap);
                var capped = ListTicketsHandler.CappedCountSqlFor(query, "english");
                var full = capped.Replace(" LIMIT @Cap + 1) matches", ") matches", StringComparison.Ordinal);
                var watch = Stopwatch.StartNew();
                var cappedCount = await connection.ExecuteScalarAsync<long>(capped, parameters);
                var cappedMs = watch.Elapsed.TotalMilliseconds;
                watch.Restart();
                var fullCount = await connection.ExecuteScalarAsync<long>(full, parameters);
                var fullMs = watch.Elapsed.TotalMilliseconds;
                var estimate = await connection.ExecuteScalarAsync<string>("EXPLAIN (FORMAT JSON) " + full.Replace("SELECT count(*) FROM (SELECT 1", "SELECT 1", StringComparison.Ordinal)
                    .Replace(") matches", "", StringComparison.Ordinal), parameters);
                var rows = JsonDocument.Parse(estimate!).RootElement[0].GetProperty("Plan").GetProperty("Plan Rows").GetDouble();
                var (viewP, listP) = perView.TryGetValue(v, out var l) ? (Sorted(l.View), Sorted(l.List)) : ([0], [0]);
                report.AppendLine($"| {views[v].Name} | `{string.Join("&", views[v].Filters.Select(f => $"{f.Key}={(f.Key == "group_id" ? "…" : f.Value)}"))}` | {P(viewP, 0.95):F1} | {P(listP, 0.95):F1} "
                    + $"| {Math.Min(cappedCount, TicketViews.CountCap):N0}{(cappedCount > TicketViews.CountCap ? "+" : "")} | {cappedMs:F1} | {fullCount:N0} | {fullMs:F1} | {rows:N0} |");
                var plan = await connection.QueryAsync<string>("EXPLAIN (ANALYZE, BUFFERS) " + capped, parameters);
                plans.AppendLine($"### {views[v].Name}").AppendLine().AppendLine("```").AppendJoin('\n', plan).AppendLine().AppendLine("```").AppendLine();
            }
            report.AppendLine().AppendLine("## EXPLAIN (ANALYZE, BUFFERS) of each view's capped count").AppendLine().Append(plans);
        }
        finally
        {
            ServiceProcess.Stop(service);
        }

        Directory.CreateDirectory(o.ResultsDirectory);
        var file = Path.Combine(o.ResultsDirectory, "views-latest.md");
        await File.WriteAllTextAsync(file, report.ToString());
        Console.WriteLine(report.ToString().Split("## EXPLAIN")[0]);
        Log($"wrote {file}");
        return 0;
    }

    private static List<double> Sorted(List<double> values) => values.Order().ToList();

    private static double P(List<double> sorted, double p) => sorted[Math.Clamp((int)Math.Ceiling(p * sorted.Count) - 1, 0, sorted.Count - 1)];
}

internal sealed record ViewsOptions(string Server, string Database, int Tickets, int Requests, int Warmup, bool SkipLoad, string ServiceDll, string ResultsDirectory)
{
    public static ViewsOptions Parse(string[] args)
    {
        var values = new Dictionary<string, string>(StringComparer.Ordinal);
        var skip = false;
        for (var i = 0; i < args.Length; i++)
        {
            if (args[i] is "--skip-load")
                skip = true;
            else if (args[i].StartsWith("--", StringComparison.Ordinal) && i + 1 < args.Length)
                values[args[i]] = args[++i];
            else
                throw new ArgumentException($"unknown argument {args[i]}");
        }
        int Int(string key, int fallback) => values.TryGetValue(key, out var v) ? int.Parse(v, CultureInfo.InvariantCulture) : fallback;
        return new ViewsOptions(
            values.GetValueOrDefault("--server", "postgres://postgres@127.0.0.1:55432/postgres"),
            values.GetValueOrDefault("--database", "supportdesk_bench_views"),
            Int("--tickets", 1_000_000), Int("--requests", 200), Int("--warmup", 20), skip,
            values.GetValueOrDefault("--service", "bin/Release/net10.0/SupportDesk.dll"),
            values.GetValueOrDefault("--results", "bench/results"));
    }
}
