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

/// <summary>One request of a scenario: sent to the service with the user's bearer token, to the bare host naming the user.</summary>
internal sealed record Call(string Method, string Path, BenchUser? User, object? Body);

/// <summary>One scenario: the same parameters (drawn from the worker's Random) sent over HTTP and run as SQL.</summary>
internal sealed record Scenario(string Key, string Name, Func<Random, Call> Next, Func<Random, Task<bool>>? Sql);

/// <summary>Where the HTTP load goes: the service, or the bare floor (<see cref="BareHost"/>).</summary>
internal sealed record Target(string Name, Uri BaseUri, bool Bare, HttpClient Http);

/// <summary>
/// One scenario with one client: the service's run, the bare floor's (the median of the pairs, each pair measured
/// back to back) and the ratio of each pair, then the SQL baseline (one run, the same for every client).
/// </summary>
public sealed record ScenarioRow(string Key, string Scenario, string Client, RunResult Service, RunResult? Bare, double? BareRatio,
    double? BareRatioMin, double? BareRatioMax, RunResult? Baseline, double? Ratio, double LoadAverage, IReadOnlyList<RunResult>? Pairs = null);

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
            await BenchDatabase.RecreateAsync(server.ConnectionString, options.Database);
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

        await using var dataSource = NpgsqlDataSource.Create(BareHost.PoolSettings(databaseConnection));
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
        var sql = new SqlBaseline(dataSource, json, options.BaselineUserCheck);

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
        // The bare floor: this program again, as its own process on its own port, over the same database.
        var barePort = ServiceProcess.FreePort();
        var bareUri = new Uri($"http://127.0.0.1:{barePort}");
        using var bare = options.NoBare ? null : ServiceProcess.Start(typeof(BareHost).Assembly.Location, databaseConnection, barePort,
            new Dictionary<string, string>(), Log, arguments: ["bare-host", "--connection", databaseConnection, "--port", barePort.ToString(CultureInfo.InvariantCulture),
                .. options.BaselineUserCheck ? new[] { "--user-check", "1" } : []],
            label: "bare host");

        var rows = new List<ScenarioRow>();
        ScenarioRow? mixAlone = null, mixWithLogin = null;
        RunResult? loginDuringMix = null;
        try
        {
            using var http = Client(baseUri, options.Concurrency);
            using var bareHttp = Client(bareUri, options.Concurrency);
            await ServiceProcess.WaitReadyAsync(http, service, "/health/ready");
            if (bare is not null)
                await ServiceProcess.WaitReadyAsync(bareHttp, bare, "/health/ready");
            var serviceTarget = new Target("service", baseUri, Bare: false, http);
            var bareTarget = new Target("bare", bareUri, Bare: true, bareHttp);
            var errorLog = new Dictionary<string, int>();

            async Task<bool> SendAsync(string scenario, Target target, Call call, HttpClient? client = null)
            {
                using var request = new HttpRequestMessage(new HttpMethod(call.Method), call.Path);
                foreach (var (name, value) in Headers(target, call))
                    request.Headers.TryAddWithoutValidation(name, value);
                if (call.Body is not null)
                    request.Content = JsonContent.Create(call.Body);
                using var response = await (client ?? target.Http).SendAsync(request);
                var bytes = await response.Content.ReadAsByteArrayAsync();
                if (response.IsSuccessStatusCode)
                    return true;
                lock (errorLog)
                {
                    var key = $"{scenario} ({target.Name})";
                    errorLog[key] = errorLog.GetValueOrDefault(key) + 1;
                    if (errorLog[key] <= 3)
                        Log($"  {key}: {(int)response.StatusCode} for {call.Method} {call.Path}: {Encoding.UTF8.GetString(bytes)[..Math.Min(300, bytes.Length)]}");
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
                    u => new Call("POST", "/auth/login", null, new { email = u.Email, password = Loader.Password }),
                    u => sql.LoginAsync(u, Loader.Password)),
                Make("create", "create ticket (POST /tickets)", r => (User: Customer(r), Title: titles[r.Next(titles.Length)],
                        Description: descriptions[r.Next(descriptions.Length)], Priority: Priorities[r.Next(4)], Category: TextGenerator.Nouns[r.Next(30)]),
                    p => new Call("POST", "/tickets", p.User, new { title = p.Title, description = p.Description, priority = p.Priority, category = p.Category }),
                    p => sql.CreateTicketAsync(p.User, p.Title, p.Description, p.Priority, p.Category)),
                Make("get", "get ticket (GET /tickets/{id})", r => Own(r, owned),
                    p => new Call("GET", $"/tickets/{p.Ticket.Id}", p.User, null),
                    p => sql.GetTicketAsync(p.User, p.Ticket.Id)),
                // Agents read far more tickets than customers, through a statement of their own (TicketAccess.LoadSqlFor).
                Make("agentget", "get ticket as an agent (GET /tickets/{id})", r => (User: Agent(r), Ticket: owned[r.Next(owned.Length)]),
                    p => new Call("GET", $"/tickets/{p.Ticket.Id}", p.User, null),
                    p => sql.GetTicketAsync(p.User, p.Ticket.Id)),
                Make("me", "the signed-in user (GET /auth/me)", r => Customer(r),
                    u => new Call("GET", "/auth/me", u, null),
                    u => sql.MeAsync(u)),
                Make("list", "list tickets, filtered (GET /tickets?…)", ListPick,
                    p => new Call("GET", p.Path, p.User, null),
                    p => sql.ListTicketsAsync(p.Query, p.User)),
                Make("field", "list tickets by custom field (GET /tickets?field.…)", FieldPick,
                    p => new Call("GET", p.Path, p.User, null),
                    p => sql.ListTicketsAsync(p.Query, p.User)),
                Make("comment", "add comment (POST /tickets/{id}/comments)", r => (Own: Own(r, owned), Reply: replies[r.Next(replies.Length)]),
                    p => new Call("POST", $"/tickets/{p.Own.Ticket.Id}/comments", p.Own.User, new { content = p.Reply }),
                    p => sql.AddCommentAsync(p.Own.User, p.Own.Ticket.Id, p.Reply)),
                Make("update", "update ticket (PATCH status, priority)", r => (Agent: Agent(r), Ticket: workable[r.Next(workable.Length)],
                        Priority: Priorities[r.Next(4)], Status: WorkStatuses[r.Next(3)]),
                    p => new Call("PATCH", $"/tickets/{p.Ticket.Id}", p.Agent, new { priority = p.Priority, status = p.Status }),
                    p => sql.UpdateTicketAsync(p.Agent, p.Ticket.Id, p.Priority, p.Status)),
                Make("kb", "KB search (GET /knowledge-base/search)", r => (User: Customer(r), Query: queries[r.Next(queries.Count)]),
                    p => new Call("GET", $"/knowledge-base/search?query={Uri.EscapeDataString(p.Query)}&limit=20", p.User, null),
                    p => sql.SearchArticlesAsync(p.User, p.Query)),
                Make("global", "global search (GET /search/global)", r => (User: Customer(r), Query: queries[r.Next(queries.Count)]),
                    p => new Call("GET", $"/search/global?query={Uri.EscapeDataString(p.Query)}&limit=20", p.User, null),
                    p => sql.GlobalSearchAsync(p.User, p.Query)),
            };

            var warmup = TimeSpan.FromSeconds(options.WarmupSeconds);
            var duration = TimeSpan.FromSeconds(options.Seconds);
            var targets = options.NoBare ? [serviceTarget] : new[] { serviceTarget, bareTarget };
            Func<Random, Task<bool>> Over(Scenario scenario, Target target) => r => SendAsync(scenario.Key, target, scenario.Next(r));
            // A fresh process runs unoptimised code at first and the tiered JIT recompiles hot methods in the background
            // for a while on a busy machine (bench/README.md has what dotnet-counters showed): every route gets its turn
            // before anything is measured, so the table shows the steady state. The bare host gets the same.
            Log($"warming the service{(options.NoBare ? "" : " and the bare host")} up: {options.ServiceWarmupSeconds} s per route");
            var warmed = scenarios.Where(s => s.Key != "login" && (options.Only is null || options.Only.Contains(s.Key) || options.Only.Contains("mix"))).ToList();
            async Task WarmRoundAsync(int seconds)
            {
                foreach (var scenario in warmed)
                    foreach (var target in targets)
                        await ThroughputRunner.RunAsync($"{scenario.Name} [{target.Name} warm-up]", options.Concurrency, TimeSpan.Zero,
                            TimeSpan.FromSeconds(seconds), 1, Over(scenario, target), Log);
            }
            await WarmRoundAsync(options.ServiceWarmupSeconds);
            // A fixed warm-up is not enough on a busy machine: the service has far more code than the bare host, and the
            // tiered JIT may still be recompiling it when the measurement starts. More rounds (both targets, so the bare
            // host gets the same) until the service's JIT time, from its own /metrics, falls below a share of one core.
            var jitBefore = await JitSecondsAsync(http);
            for (var round = 1; round <= options.JitSettleRounds && jitBefore is not null; round++)
            {
                var started = Stopwatch.GetTimestamp();
                await WarmRoundAsync(JitRoundSeconds);
                var jitAfter = await JitSecondsAsync(http);
                var share = (jitAfter - jitBefore) / Stopwatch.GetElapsedTime(started).TotalSeconds;
                Log($"warm-up round {round}: the service's JIT took {share:P1} of a core");
                jitBefore = jitAfter;
                if (share < JitSettledShare)
                    break;
            }

            async Task<RunResult> MeasureAsync(Scenario scenario, Target target, string client, int seed)
            {
                var name = $"{scenario.Name} [{target.Name}, {client}]";
                if (client == "dotnet")
                    return await ThroughputRunner.RunAsync(name, options.Concurrency, warmup, duration, seed, Over(scenario, target), Log);
                // The same draws as the .NET client's first worker, built once; wrk cycles through them.
                var random = new Random(seed);
                var wire = Enumerable.Range(0, WireRequests).Select(_ => scenario.Next(random))
                    .Select(call => new WireRequest(call.Method, call.Path, Headers(target, call),
                        call.Body is null ? null : JsonSerializer.Serialize(call.Body))).ToList();
                return await WrkClient.RunAsync(options.Wrk, name, target.BaseUri, options.Concurrency, options.WrkThreads, warmup, duration, wire, Log);
            }

            foreach (var scenario in scenarios.Where(s => options.Only is null || options.Only.Contains(s.Key)))
            {
                var seed = scenario.Key.Aggregate(17, (h, c) => h * 31 + c);
                var load = LoadAverage();
                var measured = new List<(string Client, List<RunResult> Service, List<RunResult> Bare)>();
                foreach (var client in options.Clients)
                {
                    var serviceRuns = new List<RunResult>();
                    var bareRuns = new List<RunResult>();
                    for (var pair = 0; pair < options.Pairs; pair++)
                    {
                        // Alternating which goes first, so neither always gets the warmer machine.
                        foreach (var target in pair % 2 == 0 ? targets : targets.Reverse())
                            (target.Bare ? bareRuns : serviceRuns).Add(await MeasureAsync(scenario, target, client, seed));
                    }
                    measured.Add((client, serviceRuns, bareRuns));
                }
                RunResult? baseline = null;
                if (scenario.Sql is not null && !options.NoBaseline)
                    baseline = await ThroughputRunner.RunAsync(scenario.Name + " [sql]", options.Concurrency, warmup, duration, seed, scenario.Sql, Log);
                foreach (var (client, serviceRuns, bareRuns) in measured)
                {
                    var serviceRun = Median(serviceRuns);
                    var pairRatios = bareRuns.Count == 0 ? [] : serviceRuns.Zip(bareRuns, (s, b) => b.PerSecond > 0 ? s.PerSecond / b.PerSecond : 0).Order().ToArray();
                    var row = new ScenarioRow(scenario.Key, scenario.Name, client, serviceRun, bareRuns.Count == 0 ? null : Median(bareRuns),
                        pairRatios.Length == 0 ? null : MiddleOf(pairRatios), pairRatios.Length == 0 ? null : pairRatios[0],
                        pairRatios.Length == 0 ? null : pairRatios[^1],
                        baseline, baseline is { Ok: > 0 } ? serviceRun.PerSecond / baseline.PerSecond : null, load, [.. serviceRuns, .. bareRuns]);
                    rows.Add(row);
                    Log(Markdown.Row(row));
                }
            }

            if (options.Only is null || options.Only.Contains("mix"))
            {
                // Login is bcrypt-bound on purpose; the other routes must not queue behind it.
                var loginScenario = scenarios.Single(s => s.Key == "login");
                const int GetClients = 4;
                using var side = Client(baseUri, GetClients);
                var sideGet = Make("get", "get", r => Own(r, owned), p => new Call("GET", $"/tickets/{p.Ticket.Id}", p.User, null), null);
                Task<bool> SideGet(Random r) => SendAsync("get during login", serviceTarget, sideGet.Next(r), side);
                var load = LoadAverage();
                var alone = await ThroughputRunner.RunAsync($"get ticket, {GetClients} clients, alone", GetClients, warmup, duration, 5, SideGet, Log);
                mixAlone = new ScenarioRow("get-alone", alone.Name, "dotnet", alone, null, null, null, null, null, null, load);
                load = LoadAverage();
                var during = ThroughputRunner.RunAsync($"get ticket, {GetClients} clients, while login is hammered", GetClients, warmup, duration, 5, SideGet, Log);
                var login = ThroughputRunner.RunAsync($"login, {options.Concurrency} clients, at the same time", options.Concurrency, warmup, duration, 7,
                    Over(loginScenario, serviceTarget), Log);
                await Task.WhenAll(during, login);
                mixWithLogin = new ScenarioRow("get-during-login", during.Result.Name, "dotnet", during.Result, null, null, null, null, null, null, load);
                loginDuringMix = login.Result;
                Log(Markdown.Row(mixAlone));
                Log(Markdown.Row(mixWithLogin));
            }
        }
        finally
        {
            ServiceProcess.Stop(service);
            if (bare is not null)
                ServiceProcess.Stop(bare);
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

    /// <summary>How many different requests wrk cycles through per run.</summary>
    private const int WireRequests = 4000;

    private static Scenario Make<T>(string key, string name, Func<Random, T> next, Func<T, Call> call, Func<T, Task<object?>>? sql) =>
        new(key, name, r => call(next(r)), sql is null ? null : async r => await sql(next(r)) is not null);

    private static IReadOnlyList<(string Name, string Value)> Headers(Target target, Call call) =>
        call.User is null ? []
        : target.Bare ? [(BareHost.UserHeader, BareHost.HeaderFor(call.User))]
        : [("Authorization", "Bearer " + call.User.Token)];

    /// <summary>The median run (of an even number, the lower of the middle two).</summary>
    private static RunResult Median(List<RunResult> runs) => runs.OrderBy(r => r.PerSecond).ElementAt((runs.Count - 1) / 2);

    /// <summary>The median of sorted values (of an even number, the mean of the middle two).</summary>
    private static double MiddleOf(double[] sorted) =>
        sorted.Length % 2 == 1 ? sorted[sorted.Length / 2] : (sorted[sorted.Length / 2 - 1] + sorted[sorted.Length / 2]) / 2;

    internal static ListTicketsQuery ListQuery(BenchUser user, string[]? statuses, string[]? priorities, string? category, Guid? assignee, int limit = 20) =>
        new(new CurrentUser(user.Id, Roles.Parse(user.Role)), statuses, priorities, category, null,
            assignee is { } a ? AssigneeFilter.Is(a) : AssigneeFilter.Any, null, null, null, "created_at", "desc", limit, 0);

    /// <summary>One keep-alive connection per concurrent worker.</summary>
    private const int JitRoundSeconds = 2;
    private const double JitSettledShare = 0.01;

    /// <summary>The service's cumulative JIT time (the System.Runtime meter on /metrics, open to loopback); null when absent.</summary>
    private static async Task<double?> JitSecondsAsync(HttpClient http)
    {
        try
        {
            foreach (var line in (await http.GetStringAsync("/metrics")).Split('\n'))
                if (line.StartsWith("system_runtime_dotnet_jit_compilation_time ", StringComparison.Ordinal))
                    return double.Parse(line.AsSpan("system_runtime_dotnet_jit_compilation_time ".Length), CultureInfo.InvariantCulture);
        }
        catch (HttpRequestException)
        {
        }
        return null;
    }

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
    int Concurrency, string? DbOptions, Dictionary<string, string> ServiceEnvironment, int ServiceWarmupSeconds, bool SkipLoad, bool NoBaseline, string[]? Only, string? Label, string ServiceDll, string ResultsDirectory,
    int Pairs, string[] Clients, bool NoBare, string Wrk, int WrkThreads, bool BaselineUserCheck)
{
    /// <summary>--comments N (default: two per ticket); the list benchmarks do not read comments, so a big run may seed fewer.</summary>
    public int? Comments { get; init; }

    /// <summary>At most this many extra warm-up rounds until the service's JIT settles (0: the fixed warm-up only).</summary>
    public int JitSettleRounds { get; init; }

    public static ThroughputOptions Parse(string[] args)
    {
        var values = new Dictionary<string, string>(StringComparer.Ordinal);
        var flags = new HashSet<string>(StringComparer.Ordinal);
        for (var i = 0; i < args.Length; i++)
        {
            if (args[i] is "--skip-load" or "--no-baseline" or "--no-bare" or "--baseline-user-check")
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
            values.GetValueOrDefault("--results", "bench/results"),
            Int("--pairs", 1),
            values.GetValueOrDefault("--clients", "dotnet").Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries) is { Length: > 0 } clients
                && clients.All(c => c is "dotnet" or "wrk") ? clients : throw new ArgumentException("--clients takes dotnet, wrk or both"),
            flags.Contains("--no-bare"),
            values.GetValueOrDefault("--wrk", "wrk"),
            Int("--wrk-threads", 1),
            flags.Contains("--baseline-user-check"))
        {
            JitSettleRounds = Int("--jit-settle-rounds", 6),
            Comments = values.TryGetValue("--comments", out var comments) ? int.Parse(comments, CultureInfo.InvariantCulture) : null,
        };
    }
}
