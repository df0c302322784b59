using Microsoft.AspNetCore.Http.HttpResults;
using Npgsql;

namespace SupportDesk.Features.Health;

public static class HealthEndpoints
{
    public sealed record HealthResponse(string Status, string Database);

    public static IEndpointRouteBuilder MapHealth(this IEndpointRouteBuilder routes)
    {
        routes.MapGet("/health", CheckAsync)
            .AllowAnonymous()
            .DisableRateLimiting()
            .WithTags("Health")
            .WithName("Health")
            .WithSummary("Service and database status: 200 when PostgreSQL answers, 503 when it does not.");
        return routes;
    }

    private static async Task<Results<Ok<HealthResponse>, JsonHttpResult<HealthResponse>>> CheckAsync(
        NpgsqlDataSource dataSource, ILoggerFactory loggers, CancellationToken ct)
    {
        try
        {
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
            timeout.CancelAfter(TimeSpan.FromSeconds(3));
            await using var connection = await dataSource.OpenConnectionAsync(timeout.Token);
            await using var command = new NpgsqlCommand("SELECT 1", connection);
            await command.ExecuteScalarAsync(timeout.Token);
            return TypedResults.Ok(new HealthResponse("ok", "up"));
        }
        catch (Exception e) when (e is NpgsqlException or OperationCanceledException or TimeoutException)
        {
            loggers.CreateLogger("SupportDesk.Health").LogWarning("Health check: database unreachable: {Message}", e.Message);
            return TypedResults.Json(new HealthResponse("unavailable", "down"), statusCode: StatusCodes.Status503ServiceUnavailable);
        }
    }
}
