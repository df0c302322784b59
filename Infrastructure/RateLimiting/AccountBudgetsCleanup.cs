using Npgsql;
using SupportDesk.Infrastructure.Database;

namespace SupportDesk.Infrastructure.RateLimiting;

/// <summary>Deletes account budgets an hour after their window ended (a later attempt starts a new row).</summary>
public sealed class AccountBudgetsCleanup(NpgsqlDataSource dataSource, TimeProvider clock, ILogger<AccountBudgetsCleanup> logger)
    : RetentionJob(dataSource, clock, logger)
{
    protected override string What => "spent account budgets";

    protected override TimeSpan Retention => TimeSpan.FromHours(1);

    protected override string DeleteBatchSql => $"""
        DELETE FROM account_budgets
        WHERE key IN (SELECT key FROM account_budgets WHERE window_ends_at < @Cutoff LIMIT {BatchSize})
        """;
}

/// <summary>Forgets clients that have not signed in to an account for RATE_LIMIT_KNOWN_CLIENT_DAYS.</summary>
public sealed class KnownSignInClientsCleanup(
    RateLimitSettings limits, NpgsqlDataSource dataSource, TimeProvider clock, ILogger<KnownSignInClientsCleanup> logger)
    : RetentionJob(dataSource, clock, logger)
{
    protected override string What => "known sign-in clients";

    protected override TimeSpan Retention => TimeSpan.FromDays(limits.KnownClientDays);

    protected override string DeleteBatchSql => $"""
        DELETE FROM known_sign_in_clients
        WHERE (user_id, client) IN (SELECT user_id, client FROM known_sign_in_clients WHERE last_seen_at < @Cutoff LIMIT {BatchSize})
        """;
}
