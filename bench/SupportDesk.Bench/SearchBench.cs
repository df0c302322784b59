using System.Diagnostics;
using System.Globalization;
using System.Net.Sockets;
using System.Net;
using System.Text;
using Dapper;
using Npgsql;
using SupportDesk.Features.KnowledgeBase.SearchArticles;
using SupportDesk.Features.Search.GlobalSearch;
using SupportDesk.Infrastructure.Configuration;
using SupportDesk.Infrastructure.Database;
using SupportDesk.Infrastructure.Search;

namespace SupportDesk.Bench;

/// <summary>scripts/bench search: search latency, one request at a time.</summary>
internal static class SearchBench
{
    public static async Task<int> RunAsync(string[] args)
    {
        // scripts/bench search: a fresh database of realistic size, the service in Release on loopback, and latency
        // percentiles of the search routes over real HTTP for a customer and an agent. Measures; asserts nothing.
        var options = SearchOptions.Parse(args);
        void Log(string message) => Console.Error.WriteLine($"search-bench: {message}");
        CultureInfo.DefaultThreadCurrentCulture = CultureInfo.InvariantCulture;

        var server = new NpgsqlConnectionStringBuilder(DatabaseUrl.ToConnectionString(options.Server));
        var databaseConnection = new NpgsqlConnectionStringBuilder(server.ConnectionString) { Database = options.Database, CommandTimeout = 0 }.ConnectionString;
        var text = new TextGenerator(seed: 20261125);

        if (!options.SkipLoad)
        {
            await BenchDatabase.RecreateAsync(server.ConnectionString, options.Database);
            MigrationRunner.MigrateUp(databaseConnection);
            await using var loadSource = NpgsqlDataSource.Create(databaseConnection);
            var watch = Stopwatch.StartNew();
            await new Loader(loadSource, text, Log).LoadAsync(options.Tickets, options.Comments, options.Articles, options.Customers);
            Log($"database {options.Database} filled in {watch.Elapsed.TotalMinutes:N1} min");
        }

        await using var dataSource = NpgsqlDataSource.Create(databaseConnection);
        await using var connection = await dataSource.OpenConnectionAsync();
        var sizes = await connection.QuerySingleAsync<(long Tickets, long Comments, long Articles, string DbSize)>("""
            SELECT (SELECT count(*) FROM tickets), (SELECT count(*) FROM comments), (SELECT count(*) FROM knowledge_base_articles),
                   pg_size_pretty(pg_database_size(current_database()))
            """);
        var customer = await connection.QuerySingleAsync<(Guid Id, string Email, long Tickets)>("""
            SELECT u.id, u.email, (SELECT count(*) FROM tickets t WHERE t.requester_id = u.id) FROM users u WHERE u.email = 'customer0@bench.test'
            """);
        var agent = await connection.QuerySingleAsync<Guid>("SELECT id FROM users WHERE email = 'agent0@bench.test'");
        Log($"{sizes.Tickets:N0} tickets, {sizes.Comments:N0} comments, {sizes.Articles:N0} articles ({sizes.DbSize}); the customer has {customer.Tickets} tickets");

        var queries = text.Queries(options.Queries);
        var report = new StringBuilder();
        report.AppendLine($"# Search benchmark, {DateTime.UtcNow:yyyy-MM-dd HH:mm} UTC").AppendLine();
        report.AppendLine($"{sizes.Tickets:N0} tickets, {sizes.Comments:N0} comments, {sizes.Articles:N0} articles; database {sizes.DbSize}. ");
        report.AppendLine($"{queries.Count} distinct queries per route and role, sent one at a time over HTTP to the Release build on 127.0.0.1 "
            + $"after {options.Warmup} warm-up requests; the customer owns {customer.Tickets} tickets. Latency in ms (client-side, full response read).").AppendLine();

        // The service as users run it: Release build, real Kestrel, loopback only.
        var port = ServiceProcess.FreePort();
        using var service = ServiceProcess.Start(options.ServiceDll, databaseConnection, port, new()
        {
            // Three routes x two roles x 220 queries outrun the default per-user limit (600/min): lift it, as scripts/bench does.
            ["SEARCH_LANGUAGE"] = "english",
            ["RATE_LIMIT_PER_MINUTE"] = "10000000",
        }, Log);
        try
        {
            using var http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}"), Timeout = TimeSpan.FromSeconds(60) };
            await ServiceProcess.WaitReadyAsync(http, service);
            var runner = new LatencyRunner(http, Log);
            var tokens = new Dictionary<string, string>
            {
                ["customer"] = await runner.LoginAsync("customer0@bench.test", Loader.Password),
                ["agent"] = await runner.LoginAsync("agent0@bench.test", Loader.Password),
            };

            var routes = new List<Route>();
            if (await runner.TicketSearchExistsAsync(tokens["agent"]))
                routes.Add(new Route("tickets  GET /tickets?q=", "/tickets?q={0}&limit=20"));
            else
                Log("GET /tickets?q= is not in this build; ticket search is measured as part of global search and by EXPLAIN below");
            routes.Add(new Route("articles GET /knowledge-base/search", "/knowledge-base/search?query={0}&limit=20"));
            routes.Add(new Route("global   GET /search/global", "/search/global?query={0}&limit=20"));

            var slowest = new List<string>();
            report.AppendLine("| route | role | requests | errors | p50 | p95 | p99 | max | mean hits |");
            report.AppendLine("|---|---|---:|---:|---:|---:|---:|---:|---:|");
            foreach (var route in routes)
            {
                foreach (var role in new[] { "customer", "agent" })
                {
                    var m = await runner.MeasureAsync(route, role, tokens[role], queries, options.Warmup);
                    var line = $"| {m.Route} | {m.Role} | {m.Requests} | {m.Errors} | {m.P50:F1} | {m.P95:F1} | {m.P99:F1} | {m.Max:F1} | {m.MeanHits:F1} |";
                    Log(line);
                    report.AppendLine(line);
                    slowest.Add($"- {m.Route.Trim()} as {m.Role}: " + string.Join(", ", m.Slowest.Select(s => $"`{s.Query}` {s.Ms:F0} ms")));
                    foreach (var (ms, q) in m.Slowest)
                        Log($"    slow: {ms,7:F1} ms  {q}");
                }
            }
            report.AppendLine().AppendLine("Slowest queries:").AppendLine();
            foreach (var line in slowest)
                report.AppendLine(line);
        }
        finally
        {
            ServiceProcess.Stop(service);
        }

        // EXPLAIN (ANALYZE) the exact statements the handlers run, for a common and a rare word, as a customer and as staff.
        report.AppendLine().AppendLine("## EXPLAIN (ANALYZE, BUFFERS)").AppendLine();
        var common = TextGenerator.Nouns[0];
        var rare = text.Products[^1];
        // A quoted phrase goes through the phrase-key indexes (M20261125190000) as the handlers send it.
        const string phrase = "\"reset the password\"";
        var phraseKeys = await connection.ExecuteScalarAsync<int[]>("SELECT search_query_phrase_keys('english', @Phrases)",
            new { Phrases = PhraseKeys.RequiredPhrases(phrase).ToArray() }) ?? [];
        // Global search runs its three sources side by side; each is EXPLAINed on its own.
        IEnumerable<(string Name, string Sql, object Parameters)> Global(string what, bool staff, string query, Guid userId, int[]? keys = null) =>
            GlobalSearchHandler.SourceSqlFor(staff, "english").Select(s =>
                ($"global {s.Source}, {(staff ? "agent" : "customer")}, {what}", s.Sql.WithPhraseKeys(keys is not null), Parameters(query, userId, keys)));
        var explains = new List<(string Name, string Sql, object Parameters)>();
        explains.AddRange(Global($"phrase {phrase}", staff: true, phrase, agent, phraseKeys));
        explains.Add(($"articles, customer, phrase {phrase}", SearchArticlesHandler.SqlFor(seesDrafts: false, inCategory: false, "english").WithPhraseKeys(true),
            Parameters(phrase, customer.Id, phraseKeys)));
        explains.AddRange(Global($"common word '{common}'", staff: true, common, agent));
        explains.AddRange(Global($"rare word '{rare}'", staff: true, rare, agent));
        explains.AddRange(Global($"common word '{common}'", staff: false, common, customer.Id));
        explains.Add(($"articles, agent, common word '{common}'", SearchArticlesHandler.SqlFor(seesDrafts: true, inCategory: false, "english"), Parameters(common, agent)));
        explains.Add(($"articles, customer, rare word '{rare}'", SearchArticlesHandler.SqlFor(seesDrafts: false, inCategory: false, "english"), Parameters(rare, customer.Id)));
        foreach (var (name, sql, parameters) in explains)
        {
            var plan = string.Join('\n', await connection.QueryAsync<string>($"EXPLAIN (ANALYZE, BUFFERS) {sql}", parameters));
            var gin = new[]
            {
                "ix_tickets_search", "ix_comments_search", "ix_knowledge_base_articles_search",
                "ix_tickets_phrase_keys", "ix_comments_phrase_keys", "ix_knowledge_base_articles_phrase_keys",
            }.Where(plan.Contains).ToList();
            var time = plan.Split('\n').LastOrDefault(l => l.Contains("Execution Time"))?.Trim();
            Log($"EXPLAIN {name}: {time}; GIN indexes used: {(gin.Count == 0 ? "none" : string.Join(", ", gin))}");
            report.AppendLine($"### {name}").AppendLine().AppendLine($"GIN indexes used: {(gin.Count == 0 ? "none" : string.Join(", ", gin))}; {time}").AppendLine();
            report.AppendLine("```").AppendLine(plan).AppendLine("```").AppendLine();
        }

        // One result per benchmark: each run replaces the last (earlier ones are in git history).
        Directory.CreateDirectory(options.ResultsDirectory);
        var path = Path.Combine(options.ResultsDirectory, "search-latest.md");
        await File.WriteAllTextAsync(path, report.ToString());
        Console.WriteLine(report.ToString().Split("## EXPLAIN")[0]);
        Log($"full report with plans: {path}");
        return 0;

        object Parameters(string query, Guid userId, int[]? keys = null) => new
        {
            Query = query,
            PhraseKeys = keys ?? [],
            UserId = userId,
            // The bench's customers are in no organization: they see their own tickets (TicketVisibility.PeersAsync).
            Peers = new[] { userId },
            Category = (string?)null,
            Cap = FullTextSql.CandidateLimit,
            Limit = 20,
            Offset = 0,
            SearchSnippets.Markers,
            SearchSnippets.HeadlineOptions,
        };
    }
}

internal sealed record SearchOptions(
    string Server, string Database, int Tickets, int Comments, int Articles, int Customers, int Queries, int Warmup,
    bool SkipLoad, string ServiceDll, string ResultsDirectory)
{
    public static SearchOptions Parse(string[] args)
    {
        var values = new Dictionary<string, string>(StringComparer.Ordinal);
        var flags = new HashSet<string>(StringComparer.Ordinal);
        for (var i = 0; i < args.Length; i++)
        {
            if (args[i] is "--skip-load")
                flags.Add(args[i]);
            else if (args[i].StartsWith("--", StringComparison.Ordinal) && i + 1 < args.Length)
                values[args[i]] = args[++i];
            else
                throw new ArgumentException($"unknown argument {args[i]}");
        }
        int Int(string key, int fallback) => values.TryGetValue(key, out var v) ? int.Parse(v, CultureInfo.InvariantCulture) : fallback;
        var tickets = Int("--tickets", 1_000_000);
        return new SearchOptions(
            values.GetValueOrDefault("--server", "postgres://postgres@127.0.0.1:55432/postgres"),
            values.GetValueOrDefault("--database", "supportdesk_bench"),
            tickets,
            Int("--comments", tickets * 2),
            Int("--articles", Math.Max(1, tickets / 10)),
            Int("--customers", Math.Max(1, tickets / 50)),
            Math.Max(200, Int("--queries", 220)),
            Int("--warmup", 30),
            flags.Contains("--skip-load"),
            values.GetValueOrDefault("--service", "bin/Release/net10.0/SupportDesk.dll"),
            values.GetValueOrDefault("--results", "bench/results"));
    }
}
