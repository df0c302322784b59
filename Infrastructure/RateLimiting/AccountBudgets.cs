using System.Net;
using System.Net.Sockets;
using Dapper;
using Npgsql;
using SupportDesk.Infrastructure.Errors;

namespace SupportDesk.Infrastructure.RateLimiting;

/// <summary>
/// Per-account budgets, shared by every instance through PostgreSQL (account_budgets): each is a counter per key and
/// fixed window, taken with one atomic upsert before the work, so parallel attempts cannot slip past it.
/// <list type="bullet">
/// <item>Sign-in: failures per hour. Clients (addresses) that have signed in to the account before, and are
/// remembered in known_sign_in_clients, each have a budget of their own; every other client shares the account's
/// one. So strangers who spend the account's budget lock out strangers, not the owner's usual addresses; a success
/// gives its attempt back.</item>
/// <item>Reset emails: a few per account per hour, so nobody can flood an inbox; the route answers the same anyway.</item>
/// <item>Register and change-password: attempts per minute, as the per-address budget.</item>
/// </list>
/// Budget rows are kept until an hour after their window ends, known clients for RATE_LIMIT_KNOWN_CLIENT_DAYS after
/// their last sign-in (<see cref="AccountBudgetsCleanup"/>).
/// </summary>
public sealed class AccountBudgets(NpgsqlDataSource dataSource, RateLimitSettings limits, TimeProvider clock)
{
    private static readonly TimeSpan Hour = TimeSpan.FromHours(1);
    private static readonly TimeSpan Minute = TimeSpan.FromMinutes(1);

    // A new window starts once the old one has ended; the row lock of the upsert orders parallel attempts.
    private const string TakeSql = """
        INSERT INTO account_budgets AS b (key, used, window_ends_at)
        SELECT key, 1, @WindowEndsAt FROM attempt
        ON CONFLICT (key) DO UPDATE SET
            used = CASE WHEN b.window_ends_at <= @Now THEN 1 ELSE b.used + 1 END,
            window_ends_at = CASE WHEN b.window_ends_at <= @Now THEN EXCLUDED.window_ends_at ELSE b.window_ends_at END
        RETURNING b.key, b.used, b.window_ends_at
        """;

    private const string TakeKeySql = "WITH attempt AS (SELECT @Key AS key) " + TakeSql;

    // The client's own budget when it has signed in to this account before, else the account's shared one.
    private const string TakeSignInSql = """
        WITH attempt AS (
            SELECT CASE WHEN EXISTS (
                SELECT 1 FROM known_sign_in_clients k JOIN users u ON u.id = k.user_id
                WHERE lower(u.email) = @Email AND k.client = @Client AND k.last_seen_at > @KnownSince)
            THEN @ClientKey ELSE @Key END AS key)
        """ + TakeSql;

    private const string SignedInSql = """
        WITH refund AS (
            UPDATE account_budgets SET used = used - 1
            WHERE key = @Key AND window_ends_at = @WindowEndsAt AND used > 0)
        INSERT INTO known_sign_in_clients (user_id, client, last_seen_at) VALUES (@UserId, @Client, @Now)
        ON CONFLICT (user_id, client) DO UPDATE SET last_seen_at = EXCLUDED.last_seen_at
        """;

    private const string RememberSql = """
        INSERT INTO known_sign_in_clients (user_id, client, last_seen_at) VALUES (@UserId, @Client, @Now)
        ON CONFLICT (user_id, client) DO UPDATE SET last_seen_at = EXCLUDED.last_seen_at
        """;

    /// <summary>A sign-in attempt that has taken its permit; hand it to <see cref="SignedInAsync"/> when the password was right.</summary>
    public sealed record SignInAttempt(string Key, DateTime WindowEndsAt, string Client);

    /// <summary>Takes a permit for a sign-in to this email from this client; throws <see cref="TooManyRequestsException"/> when spent.</summary>
    public async ValueTask<SignInAttempt> BeginSignInAsync(string email, IPAddress? address, CancellationToken ct)
    {
        var normalized = Normalize(email);
        var client = ClientKey(address);
        var now = clock.GetUtcNow().UtcDateTime;
        var taken = await TakeAsync(TakeSignInSql, new
        {
            Email = normalized,
            Client = client,
            KnownSince = now.AddDays(-limits.KnownClientDays),
            Key = "sign-in:" + normalized,
            ClientKey = $"sign-in:{normalized} from {client}",
            Now = now,
            WindowEndsAt = now + Hour,
        }, limits.SignInFailuresPerHour, Hour, now, ct);
        return new SignInAttempt(taken.Key, taken.WindowEndsAt, client);
    }

    /// <summary>The password was right: the attempt's permit goes back, and the client is known to this account from now on.</summary>
    public async ValueTask SignedInAsync(SignInAttempt attempt, Guid userId, CancellationToken ct)
    {
        await using var connection = await dataSource.OpenConnectionAsync(ct);
        await connection.ExecuteAsync(new CommandDefinition(SignedInSql, new
        {
            attempt.Key,
            attempt.WindowEndsAt,
            UserId = userId,
            attempt.Client,
            Now = clock.GetUtcNow().UtcDateTime,
        }, cancellationToken: ct));
    }

    /// <summary>Remembers the client that created this account, as a sign-in would.</summary>
    public async ValueTask RememberClientAsync(Guid userId, IPAddress? address, CancellationToken ct)
    {
        await using var connection = await dataSource.OpenConnectionAsync(ct);
        await connection.ExecuteAsync(new CommandDefinition(RememberSql,
            new { UserId = userId, Client = ClientKey(address), Now = clock.GetUtcNow().UtcDateTime }, cancellationToken: ct));
    }

    /// <summary>False once this email has had its reset emails for the hour: the caller then sends none, and answers the same.</summary>
    public async ValueTask<bool> TryTakeResetEmailAsync(string email, CancellationToken ct)
    {
        try
        {
            await TakeAsync("reset-email:" + Normalize(email), limits.ResetEmailsPerHour, Hour, ct);
            return true;
        }
        catch (TooManyRequestsException)
        {
            return false;
        }
    }

    /// <summary>One attempt per minute budget (register, change-password); throws <see cref="TooManyRequestsException"/> when spent.</summary>
    public ValueTask TakePerMinuteAsync(string route, string account, CancellationToken ct) =>
        TakeAsync($"{route}:{Normalize(account)}", limits.AuthPerMinute, Minute, ct);

    private async ValueTask TakeAsync(string key, int limit, TimeSpan window, CancellationToken ct)
    {
        var now = clock.GetUtcNow().UtcDateTime;
        await TakeAsync(TakeKeySql, new { Key = key, Now = now, WindowEndsAt = now + window }, limit, window, now, ct);
    }

    private async ValueTask<(string Key, int Used, DateTime WindowEndsAt)> TakeAsync(string sql, object parameters, int limit, TimeSpan window, DateTime now, CancellationToken ct)
    {
        await using var connection = await dataSource.OpenConnectionAsync(ct);
        var taken = await connection.QuerySingleAsync<(string Key, int Used, DateTime WindowEndsAt)>(
            new CommandDefinition(sql, parameters, cancellationToken: ct));
        if (taken.Used > limit)
            // A parallel attempt that read the clock after ours may have opened the window: never wait past one window.
            throw new TooManyRequestsException(TimeSpan.FromTicks(Math.Min((taken.WindowEndsAt - now).Ticks, window.Ticks)), limit);
        return taken;
    }

    private static string Normalize(string email) => email.Trim().ToLowerInvariant();

    /// <summary>
    /// What identifies a client: its address as the forwarded-headers middleware resolved it (only TRUSTED_PROXIES
    /// may name another). An IPv6 client is its /64, the subscriber's network, since privacy addresses rotate inside it.
    /// </summary>
    internal static string ClientKey(IPAddress? address)
    {
        if (address is null)
            return "unknown";
        if (address.IsIPv4MappedToIPv6)
            address = address.MapToIPv4();
        if (address.AddressFamily != AddressFamily.InterNetworkV6)
            return address.ToString();
        Span<byte> bytes = stackalloc byte[16];
        address.TryWriteBytes(bytes, out _);
        bytes[8..].Clear();
        return new IPAddress(bytes) + "/64";
    }
}
