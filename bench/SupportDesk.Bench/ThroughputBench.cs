using System.Diagnostics;
using System.Globalization;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Dapper;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Hosting.Internal;
using Npgsql;
using SupportDesk.Features.Tickets.ListTickets;
using SupportDesk.Infrastructure.Auth;
using SupportDesk.Infrastructure.Configuration;
using SupportDesk.Infrastructure.Database;
using SupportDesk.Infrastructure.Json;

namespace SupportDesk.Bench;

public sealed record BenchUser(Guid Id, string Email, string Role, string Token)
{
    public bool IsStaff => Role != "customer";
}

public sealed record SampleTicket(Guid Id, Guid RequesterId, string Status);

/// <summary>One scenario: the same parameters (drawn from the worker's Random) sent over HTTP and run as SQL.</summary>
internal sealed record Scenario(string Key, string Name, Func<Random, Task<bool>> Http, Func<Random, Task<bool>>? Sql);

public sealed record ScenarioRow(string Key, string Scenario, RunResult Service, RunResult? Baseline, double? Ratio, double LoadAverage);

/// <summary>
/// scripts/bench: a fresh seeded database, the Release service on loopback, every scenario for a fixed time at a fixed
/// concurrency over keep-alive HTTP, then the same SQL straight through Npgsql as the baseline; one table out.
/// </summary>
internal static class ThroughputBench
{
    private static readonly string[] Priorities = ["low", "medium", "high", "urgent"];
    private static readonly string[] WorkStatuses = ["open", "in_progress", "pending"];

    public static async Task<int> RunAsync(string[] args)
    {
        var options = ThroughputOptions.Parse(args);
        void Log(string message) => Console.Error.WriteLine($"bench: {message}");
        DefaultTypeMap.MatchNamesWithUnderscores = true;

        var server = new NpgsqlConnectionStringBuilder(DatabaseUrl.ToConnectionString(options.Server));
        var databaseConnection = new NpgsqlConnectionStringBuilder(server.ConnectionString + (options.DbOptions is null ? "" : ";" + options.DbOptions))
        {
            Database = options.Database,
            CommandTimeout = 0,
        }.ConnectionString;
        var text = new TextGenerator(seed: 20261125);
        var startedAt = DateTime.UtcNow;
        var loadBefore = LoadAverage();

        if (!options.SkipLoad)
        {
            await using (var admin = new NpgsqlConnection(server.ConnectionString))
            {
                await admin.OpenAsync();
                await admin.ExecuteAsync($"DROP DATABASE IF EXISTS \"{options.Database}\" WITH (FORCE)");
                await admin.ExecuteAsync($"CREATE DATABASE \"{options.Database}\"");
            }
            MigrationRunner.MigrateUp(databaseConnection);
            await using var loadSource = NpgsqlDataSource.Create(databaseConnection);
            var watch = Stopwatch.StartNew();
            await new Loader(loadSource, text, Log).LoadAsync(options.Tickets, options.Comments ?? options.Tickets * 2, options.Articles, options.Customers, options.Agents, options.BcryptCost);
            Log($"database {options.Database} filled in {watch.Elapsed.TotalSeconds:N0} s");
        }

        // Tokens are minted with the service's own issuer and secret: the same tokens a login returns, for every seeded user.
        var secret = Convert.ToBase64String(System.Security.Cryptography.RandomNumberGenerator.GetBytes(48));
        var config = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["DATABASE_URL"] = databaseConnection,
            ["JWT_SECRET"] = secret,
        }).Build();
        var issuer = new TokenIssuer(AppSettings.Load(config, new HostingEnvironment { EnvironmentName = "Production", ContentRootPath = AppContext.BaseDirectory }), TimeProvider.System);

        // The pool settings the service gives its own data source (Infrastructure/Database/DatabaseSetup.cs).
        var pooled = new NpgsqlConnectionStringBuilder(databaseConnection) { CommandTimeout = 30 };
        if (!databaseConnection.Contains("Reset On Close", StringComparison.OrdinalIgnoreCase))
            pooled.NoResetOnClose = true;
        await using var dataSource = NpgsqlDataSource.Create(pooled.ConnectionString);
        List<BenchUser> customers, agents;
        SampleTicket[] tickets;
        string sizes;
        int ticketCount;
        await using (var connection = await dataSource.OpenConnectionAsync())
        {
            ticketCount = await connection.QuerySingleAsync<int>("SELECT count(*) FROM tickets");
            var users = (await connection.QueryAsync<(Guid Id, string Email, string Role, int TokenVersion)>(
                "SELECT id, email, role, token_version FROM users WHERE email LIKE '%@bench.test' ORDER BY email")).ToList();
            BenchUser ToUser((Guid Id, string Email, string Role, int TokenVersion) u) =>
                new(u.Id, u.Email, u.Role, issuer.Issue(u.Id, u.Email, Roles.Parse(u.Role), u.TokenVersion).AccessToken);
            customers = users.Where(u => u.Role == "customer").Select(ToUser).ToList();
            agents = users.Where(u => u.Role == "agent").Select(ToUser).ToList();
            tickets = (await connection.QueryAsync<SampleTicket>(
                "SELECT id, requester_id, status FROM tickets WHERE deleted_at IS NULL ORDER BY md5(id::text) LIMIT 20000")).ToArray();
            sizes = await connection.QuerySingleAsync<string>("""
                SELECT format('%s tickets, %s comments, %s articles, %s customers, %s agents; database %s',
                    (SELECT count(*) FROM tickets), (SELECT count(*) FROM comments), (SELECT count(*) FROM knowledge_base_articles),
                    (SELECT count(*) FROM users WHERE role = 'customer'), (SELECT count(*) FROM users WHERE role = 'agent'),
                    pg_size_pretty(pg_database_size(current_database())))
                """);
        }
        Log(sizes);
        var customerById = customers.ToDictionary(c => c.Id);
        var owned = tickets.Where(t => customerById.ContainsKey(t.RequesterId)).ToArray();
        var workable = owned.Where(t => WorkStatuses.Contains(t.Status)).ToArray();
        var titles = Enumerable.Range(0, 4000).Select(_ => text.TicketTitle()).ToArray();
        var descriptions = Enumerable.Range(0, 2000).Select(_ => text.Paragraph(2, 5)).ToArray();
        var replies = Enumerable.Range(0, 2000).Select(_ => text.Paragraph(1, 3)).ToArray();
        var queries = text.Queries(220);

        var json = new Microsoft.AspNetCore.Http.Json.JsonOptions().SerializerOptions;
        JsonSetup.Configure(json);
        var sql = new SqlBaseline(dataSource, json);

        var port = ServiceProcess.FreePort();
        var baseUri = new Uri($"http://127.0.0.1:{port}");
        using var service = ServiceProcess.Start(options.ServiceDll, databaseConnection, port, new Dictionary<string, string>
        {
            ["JWT_SECRET"] = secret,
            ["RATE_LIMIT_PER_MINUTE"] = "10000000",
            ["RATE_LIMIT_AUTH_PER_MINUTE"] = "10000000",
            ["BCRYPT_WORK_FACTOR"] = options.BcryptCost.ToString(CultureInfo.InvariantCulture),
            ["SEARCH_LANGUAGE"] = "english",
        }.Concat(options.ServiceEnvironment).ToDictionary(), Log);

        var rows = new List<ScenarioRow>();
        ScenarioRow? mixAlone = null, mixWithLogin = null;
        RunResult? loginDuringMix = null;
        try
        {
            using var http = Client(baseUri, options.Concurrency);
            await ServiceProcess.WaitReadyAsync(http, service, "/health/ready");
            var errorLog = new Dictionary<string, int>();

            async Task<bool> SendAsync(string scenario, HttpMethod method, string path, BenchUser? user, object? body, HttpClient? client = null)
            {
                using var request = new HttpRequestMessage(method, path);
                if (user is not null)
                    request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", user.Token);
                if (body is not null)
                    request.Content = JsonContent.Create(body);
                using var response = await (client ?? http).SendAsync(request);
                var bytes = await response.Content.ReadAsByteArrayAsync();
                if (response.IsSuccessStatusCode)
                    return true;
                lock (errorLog)
                {
                    errorLog[scenario] = errorLog.GetValueOrDefault(scenario) + 1;
                    if (errorLog[scenario] <= 3)
                        Log($"  {scenario}: {(int)response.StatusCode} for {method} {path}: {Encoding.UTF8.GetString(bytes)[..Math.Min(300, bytes.Length)]}");
                }
                return false;
            }

            BenchUser Customer(Random r) => customers[r.Next(customers.Count)];
            BenchUser Agent(Random r) => agents[r.Next(agents.Count)];
            (BenchUser User, SampleTicket Ticket) Own(Random r, SampleTicket[] from)
            {
                var ticket = from[r.Next(from.Length)];
                return (customerById[ticket.RequesterId], ticket);
            }
            // Three filtered lists, as the UI asks for them: the agents' queue, "mine", a customer's category.
            (BenchUser User, string Path, ListTicketsQuery Query) ListPick(Random r)
            {
                switch (r.Next(3))
                {
                    case 0:
                    {
                        var agent = Agent(r);
                        return (agent, "/tickets?status=open&priority=high&limit=20", ListQuery(agent, ["open"], ["high"], null, null));
                    }
                    case 1:
                    {
                        var agent = Agent(r);
                        return (agent, "/tickets?assignee_id=me&status=open,in_progress&limit=20", ListQuery(agent, ["open", "in_progress"], null, null, agent.Id));
                    }
                    default:
                    {
                        var customer = Customer(r);
                        var category = TextGenerator.Nouns[r.Next(8)];
                        return (customer, $"/tickets?category={category}&limit=20", ListQuery(customer, null, null, category, null));
                    }
                }
            }

            // Filtering by custom fields, the same three ways round: an agent looks up one order number (one ticket in
            // the whole table), an agent's queue of one plan's open tickets (an eighth of all), a customer's own tickets on
            // one plan (a quarter of theirs).
            (BenchUser User, string Path, ListTicketsQuery Query) FieldPick(Random r)
            {
                switch (r.Next(3))
                {
                    case 0:
                    {
                        var agent = Agent(r);
                        var order = Loader.OrderNumber(r.Next(ticketCount));
                        return (agent, $"/tickets?field.order_number={order}&limit=20",
                            ListQuery(agent, null, null, null, null) with { CustomFieldsContain = $$"""{"order_number": "{{order}}"}""" });
                    }
                    case 1:
                    {
                        var agent = Agent(r);
                        var plan = Loader.Plans[r.Next(Loader.Plans.Length)];
                        return (agent, $"/tickets?field.plan={plan}&status=open&limit=20",
                            ListQuery(agent, ["open"], null, null, null) with { CustomFieldsContain = $$"""{"plan": "{{plan}}"}""" });
                    }
                    default:
                    {
                        var customer = Customer(r);
                        var plan = Loader.Plans[r.Next(Loader.Plans.Length)];
                        return (customer, $"/tickets?field.plan={plan}&limit=20",
                            ListQuery(customer, null, null, null, null) with { CustomFieldsContain = $$"""{"plan": "{{plan}}"}""" });
                    }
                }
            }

            var scenarios = new List<Scenario>
            {
                Make("login", "login (POST /auth/login, bcrypt cost " + options.BcryptCost + ")", r => Customer(r),
                    u => SendAsync("login", HttpMethod.Post, "/auth/login", null, new { email = u.Email, password = Loader.Password }),
                    u => sql.LoginAsync(u, Loader.Password)),
                Make("create", "create ticket (POST /tickets)", r => (User: Customer(r), Title: titles[r.Next(titles.Length)],
                        Description: descriptions[r.Next(descriptions.Length)], Priority: Priorities[r.Next(4)], Category: TextGenerator.Nouns[r.Next(30)]),
                    p => SendAsync("create", HttpMethod.Post, "/tickets", p.User, new { title = p.Title, description = p.Description, priority = p.Priority, category = p.Category }),
                    p => sql.CreateTicketAsync(p.User, p.Title, p.Description, p.Priority, p.Category)),
                Make("get", "get ticket (GET /tickets/{id})", r => Own(r, owned),
                    p => SendAsync("get", HttpMethod.Get, $"/tickets/{p.Ticket.Id}", p.User, null),
                    p => sql.GetTicketAsync(p.User, p.Ticket.Id)),
                Make("list", "list tickets, filtered (GET /tickets?…)", ListPick,
                    p => SendAsync("list", HttpMethod.Get, p.Path, p.User, null),
                    p => sql.ListTicketsAsync(p.Query, p.User)),
                Make("field", "list tickets by custom field (GET /tickets?field.…)", FieldPick,
                    p => SendAsync("field", HttpMethod.Get, p.Path, p.User, null),
                    p => sql.ListTicketsAsync(p.Query, p.User)),
                Make("comment", "add comment (POST /tickets/{id}/comments)", r => (Own: Own(r, owned), Reply: replies[r.Next(replies.Length)]),
                    p => SendAsync("comment", HttpMethod.Post, $"/tickets/{p.Own.Ticket.Id}/comments", p.Own.User, new { content = p.Reply }),
                    p => sql.AddCommentAsync(p.Own.User, p.Own.Ticket.Id, p.Reply)),
                Make("update", "update ticket (PATCH status, priority)", r => (Agent: Agent(r), Ticket: workable[r.Next(workable.Length)],
                        Priority: Priorities[r.Next(4)], Status: WorkStatuses[r.Next(3)]),
                    p => SendAsync("update", HttpMethod.Patch, $"/tickets/{p.Ticket.Id}", p.Agent, new { priority = p.Priority, status = p.Status }),
                    p => sql.UpdateTicketAsync(p.Agent, p.Ticket.Id, p.Priority, p.Status)),
                Make("kb", "KB search (GET /knowledge-base/search)", r => (User: Customer(r), Query: queries[r.Next(queries.Count)]),
                    p => SendAsync("kb", HttpMethod.Get, $"/knowledge-base/search?query={Uri.EscapeDataString(p.Query)}&limit=20", p.User, null),
                    p => sql.SearchArticlesAsync(p.User, p.Query)),
                Make("global", "global search (GET /search/global)", r => (User: Customer(r), Query: queries[r.Next(queries.Count)]),
                    p => SendAsync("global", HttpMethod.Get, $"/search/global?query={Uri.EscapeDataString(p.Query)}&limit=20", p.User, null),
                    p => sql.GlobalSearchAsync(p.User, p.Query)),
            };

            var warmup = TimeSpan.FromSeconds(options.WarmupSeconds);
            var duration = TimeSpan.FromSeconds(options.Seconds);
            // A fresh process runs unoptimised code at first and the tiered JIT recompiles hot methods in the background
            // for a while on a busy machine (bench/README.md has what dotnet-counters showed): every route gets its turn
            // before anything is measured, so the table shows the steady state.
            Log($"warming the service up: {options.ServiceWarmupSeconds} s per route");
            foreach (var scenario in scenarios.Where(s => s.Key != "login" && (options.Only is null || options.Only.Contains(s.Key) || options.Only.Contains("mix"))))
                await ThroughputRunner.RunAsync(scenario.Name + " [warm-up]", options.Concurrency, TimeSpan.Zero, TimeSpan.FromSeconds(options.ServiceWarmupSeconds), 1, scenario.Http, Log);
            foreach (var scenario in scenarios.Where(s => options.Only is null || options.Only.Contains(s.Key)))
            {
                var seed = scenario.Key.Aggregate(17, (h, c) => h * 31 + c);
                var load = LoadAverage();
                var serviceRun = await ThroughputRunner.RunAsync(scenario.Name, options.Concurrency, warmup, duration, seed, scenario.Http, Log);
                RunResult? baseline = null;
                if (scenario.Sql is not null && !options.NoBaseline)
                    baseline = await ThroughputRunner.RunAsync(scenario.Name + " [sql]", options.Concurrency, warmup, duration, seed, scenario.Sql, Log);
                var row = new ScenarioRow(scenario.Key, scenario.Name, serviceRun, baseline,
                    baseline is { Ok: > 0 } ? serviceRun.PerSecond / baseline.PerSecond : null, load);
                rows.Add(row);
                Log(Markdown.Row(row));
            }

            if (options.Only is null || options.Only.Contains("mix"))
            {
                // Login is bcrypt-bound on purpose; the other routes must not queue behind it.
                var getScenario = scenarios.Single(s => s.Key == "get");
                var loginScenario = scenarios.Single(s => s.Key == "login");
                const int GetClients = 4;
                using var side = Client(baseUri, GetClients);
                var sideGet = Make("get", "get", r => Own(r, owned),
                    p => SendAsync("get during login", HttpMethod.Get, $"/tickets/{p.Ticket.Id}", p.User, null, side), null);
                var load = LoadAverage();
                var alone = await ThroughputRunner.RunAsync($"get ticket, {GetClients} clients, alone", GetClients, warmup, duration, 5, sideGet.Http, Log);
                mixAlone = new ScenarioRow("get-alone", alone.Name, alone, null, null, load);
                load = LoadAverage();
                var during = ThroughputRunner.RunAsync($"get ticket, {GetClients} clients, while login is hammered", GetClients, warmup, duration, 5, sideGet.Http, Log);
                var login = ThroughputRunner.RunAsync($"login, {options.Concurrency} clients, at the same time", options.Concurrency, warmup, duration, 7, loginScenario.Http, Log);
                await Task.WhenAll(during, login);
                mixWithLogin = new ScenarioRow("get-during-login", during.Result.Name, during.Result, null, null, load);
                loginDuringMix = login.Result;
                Log(Markdown.Row(mixAlone));
                Log(Markdown.Row(mixWithLogin));
                _ = getScenario;
            }
        }
        finally
        {
            ServiceProcess.Stop(service);
        }

        var report = new BenchReport(startedAt, Environment.ProcessorCount, loadBefore, LoadAverage(), sizes, options, rows,
            mixAlone, mixWithLogin, loginDuringMix);
        // One result per benchmark: each run replaces the last (earlier ones are in git history).
        Directory.CreateDirectory(options.ResultsDirectory);
        var latest = Path.Combine(options.ResultsDirectory, "throughput-latest");
        var markdown = Markdown.Render(report);
        await File.WriteAllTextAsync(latest + ".md", markdown);
        await File.WriteAllTextAsync(latest + ".json",
            JsonSerializer.Serialize(report, new JsonSerializerOptions { WriteIndented = true, PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower }));
        Console.WriteLine(markdown);
        Log($"written {latest}.md and .json");
        return rows.Any(r => r.Service.Errors > 0 || r.Baseline?.Errors > 0) ? 3 : 0;
    }

    private static Scenario Make<T>(string key, string name, Func<Random, T> next, Func<T, Task<bool>> http, Func<T, Task<bool>>? sql) =>
        new(key, name, r => http(next(r)), sql is null ? null : r => sql(next(r)));

    private static ListTicketsQuery ListQuery(BenchUser user, string[]? statuses, string[]? priorities, string? category, Guid? assignee) =>
        new(new CurrentUser(user.Id, Roles.Parse(user.Role)), statuses, priorities, category, null,
            assignee is { } a ? AssigneeFilter.Is(a) : AssigneeFilter.Any, null, null, null, "created_at", "desc", 20, 0);

    /// <summary>One keep-alive connection per concurrent worker.</summary>
    private static HttpClient Client(Uri baseUri, int connections) =>
        new(new SocketsHttpHandler { MaxConnectionsPerServer = connections, PooledConnectionLifetime = Timeout.InfiniteTimeSpan })
        {
            BaseAddress = baseUri,
            Timeout = TimeSpan.FromSeconds(60),
        };

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

public sealed record ThroughputOptions(
    string Server, string Database, int Tickets, int Articles, int Customers, int Agents, int BcryptCost, int Seconds, int WarmupSeconds,
    int Concurrency, string? DbOptions, Dictionary<string, string> ServiceEnvironment, int ServiceWarmupSeconds, bool SkipLoad, bool NoBaseline, string[]? Only, string? Label, string ServiceDll, string ResultsDirectory)
{
    /// <summary>--comments N (default: two per ticket); the list benchmarks do not read comments, so a big run may seed fewer.</summary>
    public int? Comments { get; init; }

    public static ThroughputOptions Parse(string[] args)
    {
        var values = new Dictionary<string, string>(StringComparer.Ordinal);
        var flags = new HashSet<string>(StringComparer.Ordinal);
        for (var i = 0; i < args.Length; i++)
        {
            if (args[i] is "--skip-load" or "--no-baseline")
                flags.Add(args[i]);
            else if (args[i].StartsWith("--", StringComparison.Ordinal) && i + 1 < args.Length)
                values[args[i]] = args[++i];
            else
                throw new ArgumentException($"unknown argument {args[i]} (see scripts/bench for the options)");
        }
        int Int(string key, int fallback) => values.TryGetValue(key, out var v) ? int.Parse(v, CultureInfo.InvariantCulture) : fallback;
        return new ThroughputOptions(
            values.GetValueOrDefault("--server", "postgres://postgres@127.0.0.1:55432/postgres"),
            values.GetValueOrDefault("--database", "supportdesk_bench8"),
            Int("--tickets", 100_000),
            Int("--articles", 10_000),
            Int("--customers", 1_000),
            Int("--agents", 20),
            Int("--bcrypt-cost", 12),
            Int("--duration", 10),
            Int("--warmup", 2),
            Int("--concurrency", 16),
            values.GetValueOrDefault("--db-options"),
            ServiceProcess.ParseEnvironment(values.GetValueOrDefault("--service-env")),
            Int("--service-warmup", 4),
            flags.Contains("--skip-load"),
            flags.Contains("--no-baseline"),
            values.TryGetValue("--only", out var only) ? only.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries) : null,
            values.GetValueOrDefault("--label"),
            values.GetValueOrDefault("--service", "bin/Release/net10.0/SupportDesk.dll"),
            values.GetValueOrDefault("--results", "bench/results"))
        {
            Comments = values.TryGetValue("--comments", out var comments) ? int.Parse(comments, CultureInfo.InvariantCulture) : null,
        };
    }
}
