using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using System.Globalization;
using Dapper;
using Npgsql;
using SupportDesk.Features.Tickets.ListTickets;
using SupportDesk.Infrastructure.Json;

namespace SupportDesk.Bench;

/// <summary>
/// The honest read limit: bare ASP.NET Core (minimal API, Kestrel, no middleware) over one NpgsqlDataSource with the
/// service's pool settings, running the same statements as <see cref="SqlBaseline"/> (the handlers' own SQL; the user
/// check only with --baseline-user-check) and writing the result with the service's JSON options. No authentication: the caller names the
/// user in <see cref="UserHeader"/>. It runs as its own process (<c>SupportDesk.Bench.dll bare-host</c>), started
/// and stopped by the throughput mode like the service, so the two are measured the same way.
/// </summary>
internal static class BareHost
{
    /// <summary>"id role email" of the user the request stands for (the service takes this from the bearer token).</summary>
    public const string UserHeader = "X-Bench-User";

    public sealed record LoginBody(string Email, string Password);
    public sealed record CreateBody(string Title, string Description, string Priority, string Category);
    public sealed record CommentBody(string Content);
    public sealed record UpdateBody(string Priority, string Status);

    public static string HeaderFor(BenchUser user) => $"{user.Id} {user.Role} {user.Email}";

    /// <summary>bare-host --connection CS --port N [--user-check 1]</summary>
    public static async Task<int> RunAsync(string[] args)
    {
        var options = args.Chunk(2).Where(p => p.Length == 2).ToDictionary(p => p[0], p => p[1]);
        var connectionString = options["--connection"];
        var port = int.Parse(options["--port"], CultureInfo.InvariantCulture);
        DefaultTypeMap.MatchNamesWithUnderscores = true;

        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseUrls($"http://127.0.0.1:{port}");
        builder.Services.ConfigureHttpJsonOptions(o => JsonSetup.Configure(o.SerializerOptions));
        builder.Services.AddSingleton(_ => NpgsqlDataSource.Create(PoolSettings(connectionString)));
        var app = builder.Build();
        var json = app.Services.GetRequiredService<Microsoft.Extensions.Options.IOptions<Microsoft.AspNetCore.Http.Json.JsonOptions>>().Value.SerializerOptions;
        var sql = new SqlBaseline(app.Services.GetRequiredService<NpgsqlDataSource>(), json, options.ContainsKey("--user-check"));

        static BenchUser Caller(HttpContext http)
        {
            var parts = http.Request.Headers[UserHeader].ToString().Split(' ', 3);
            return new BenchUser(Guid.Parse(parts[0]), parts[2], parts[1], "");
        }
        static IResult Answer(object? result) => result is null ? Results.NotFound() : Results.Ok(result);

        app.MapGet("/health/ready", () => Results.Ok());
        app.MapPost("/auth/login", async (LoginBody body) =>
            Answer(await sql.LoginAsync(new BenchUser(Guid.Empty, body.Email, "customer", ""), body.Password)));
        app.MapGet("/auth/me", async (HttpContext http) => Answer(await sql.MeAsync(Caller(http))));
        app.MapPost("/tickets", async (HttpContext http, CreateBody body) =>
            Answer(await sql.CreateTicketAsync(Caller(http), body.Title, body.Description, body.Priority, body.Category)));
        app.MapGet("/tickets/{id:guid}", async (Guid id, HttpContext http) => Answer(await sql.GetTicketAsync(Caller(http), id)));
        app.MapGet("/tickets", async (HttpContext http, string? status, string? priority, string? category, string? assignee_id, int? limit) =>
        {
            var user = Caller(http);
            var query = ThroughputBench.ListQuery(user, ListTicketsRequest.SplitList(status), ListTicketsRequest.SplitList(priority), category,
                assignee_id == "me" ? user.Id : null, limit ?? 20);
            return Answer(await sql.ListTicketsAsync(query, user));
        });
        app.MapPost("/tickets/{id:guid}/comments", async (Guid id, HttpContext http, CommentBody body) =>
            Answer(await sql.AddCommentAsync(Caller(http), id, body.Content)));
        app.MapMethods("/tickets/{id:guid}", ["PATCH"], async (Guid id, HttpContext http, UpdateBody body) =>
            Answer(await sql.UpdateTicketAsync(Caller(http), id, body.Priority, body.Status)));
        app.MapGet("/knowledge-base/search", async (HttpContext http, string query) => Answer(await sql.SearchArticlesAsync(Caller(http), query)));
        app.MapGet("/search/global", async (HttpContext http, string query) => Answer(await sql.GlobalSearchAsync(Caller(http), query)));

        await app.RunAsync();
        return 0;
    }

    /// <summary>The pool settings the service gives its own data source (Infrastructure/Database/DatabaseSetup.cs).</summary>
    public static string PoolSettings(string connectionString)
    {
        var pooled = new NpgsqlConnectionStringBuilder(connectionString) { CommandTimeout = 30 };
        if (!connectionString.Contains("Reset On Close", StringComparison.OrdinalIgnoreCase))
            pooled.NoResetOnClose = true;
        return pooled.ConnectionString;
    }
}
