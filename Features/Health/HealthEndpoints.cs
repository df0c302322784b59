using Microsoft.AspNetCore.Http.HttpResults;
using Npgsql;
using SupportDesk.Infrastructure.Database;
using SupportDesk.Infrastructure.OpenApi;

namespace SupportDesk.Features.Health;

public static class HealthEndpoints
{
    public sealed record HealthResponse(string Status, string Database);

    public sealed record ReadyResponse(string Status, string Database, long? SchemaVersion, long ExpectedSchemaVersion);

    private const string SchemaVersionSql = "SELECT max(\"Version\") FROM \"VersionInfo\"";

    public static IEndpointRouteBuilder MapHealth(this IEndpointRouteBuilder routes)
    {
        var group = routes.MapGroup("/health").WithTags("Health").AllowAnonymous().DisableRateLimiting();
        group.MapGet("", CheckAsync)
            .WithName("Health")
            .AnswersUnavailableWithOwnBody()
            .WithSummary("Service and database status: 200 when PostgreSQL answers, 503 when it does not.");
        group.MapGet("/live", () => TypedResults.Ok(new HealthResponse("ok", "not checked")))
            .WithName("Liveness")
            .NeverTouchesDatabase()
            .WithSummary("The process is up (no database check): for liveness probes.");
        group.MapGet("/ready", ReadyAsync)
            .WithName("Readiness")
            .AnswersUnavailableWithOwnBody()
            .WithSummary("Ready for traffic: the database answers and every migration of this build is applied.");
        return routes;
    }

    private static async Task<Results<Ok<HealthResponse>, JsonHttpResult<HealthResponse>>> CheckAsync(
        NpgsqlDataSource dataSource, ILogger<HealthResponse> logger, CancellationToken ct)
    {
        var (up, _) = await ProbeAsync(dataSource, logger, ct);
        return up
            ? TypedResults.Ok(new HealthResponse("ok", "up"))
            : TypedResults.Json(new HealthResponse("unavailable", "down"), statusCode: StatusCodes.Status503ServiceUnavailable);
    }

    private static async Task<Results<Ok<ReadyResponse>, JsonHttpResult<ReadyResponse>>> ReadyAsync(
        NpgsqlDataSource dataSource, ILogger<HealthResponse> logger, CancellationToken ct)
    {
        var (up, version) = await ProbeAsync(dataSource, logger, ct);
        var expected = MigrationRunner.LatestVersion;
        if (up && version >= expected)
            return TypedResults.Ok(new ReadyResponse("ok", "up", version, expected));
        return TypedResults.Json(new ReadyResponse(up ? "migrations pending" : "unavailable", up ? "up" : "down", version, expected),
            statusCode: StatusCodes.Status503ServiceUnavailable);
    }

    private static async Task<(bool Up, long? SchemaVersion)> ProbeAsync(NpgsqlDataSource dataSource, ILogger<HealthResponse> logger, CancellationToken ct)
    {
        try
        {
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
            timeout.CancelAfter(TimeSpan.FromSeconds(3));
            await using var connection = await dataSource.OpenConnectionAsync(timeout.Token);
            await using var command = new NpgsqlCommand(SchemaVersionSql, connection);
            var version = await command.ExecuteScalarAsync(timeout.Token);
            return (true, version is long v ? v : null);
        }
        catch (PostgresException e) when (e.SqlState == "42P01")
        {
            // Reachable, but never migrated.
            return (true, null);
        }
        catch (Exception e) when (e is NpgsqlException or OperationCanceledException or TimeoutException)
        {
            logger.LogWarning("Health check: database unreachable: {Message}", e.Message);
            return (false, null);
        }
    }
}
