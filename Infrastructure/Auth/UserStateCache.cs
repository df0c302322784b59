using System.Collections.Concurrent;
using System.Diagnostics;
using Npgsql;
using Prometheus;
using SupportDesk.Infrastructure.Database;

namespace SupportDesk.Infrastructure.Auth;

/// <summary>
/// The per-request user check (is the account active, is the token's version current, which role) without a database
/// round trip, for as long as this instance is known to hear about every user change. Changes arrive through the
/// users trigger's NOTIFY (<see cref="UserChangeListener"/>, on every instance) and, on the instance that made them,
/// through <see cref="Invalidate"/> right after their commit.
/// The cache is only trusted while the listener has proved, within <see cref="TrustWindow"/>, that its connection is
/// up and has delivered everything committed before: a heartbeat round trip on the LISTEN connection. Otherwise (not yet
/// connected, connection lost, heartbeat late) every request reads the database, as without a cache; a reconnect
/// empties it, since changes made meanwhile were not heard.
/// </summary>
public sealed class UserStateCache
{
    /// <summary>The channel of the users trigger (migrations M20261125160000, M20261203110000); the payload is the user's id.</summary>
    internal const string Channel = "supportdesk_user_access";

    internal static readonly TimeSpan HeartbeatInterval = TimeSpan.FromMilliseconds(250);

    /// <summary>How old the last good heartbeat may be: the bound on how late another instance's change can take effect.</summary>
    internal static readonly TimeSpan TrustWindow = TimeSpan.FromMilliseconds(750);

    // Far more users than are active at once; beyond it the cache starts over rather than track recency per request.
    private const int MaxEntries = 200_000;

    private static readonly Counter Checks = Prometheus.Metrics.CreateCounter(
        "supportdesk_user_state_checks_total", "Per-request user checks, by where the answer came from (cache, or database: a miss or an untrusted cache).", "source");
    private static readonly Counter.Child FromCache = Checks.WithLabels("cache");
    private static readonly Counter.Child FromDatabase = Checks.WithLabels("database");

    private readonly ConcurrentDictionary<Guid, UserState> _states = new();

    // Bumped by every invalidation: a read that began before one is not stored (it may have seen the old row).
    private long _generation;

    // Stopwatch timestamp at which the last heartbeat that came back was sent; 0 while the listener is not up.
    private long _heardUpTo;

    public sealed record UserState(string Role, bool IsActive, int TokenVersion, bool RestrictedToGroups);

    /// <summary>Whether cached states may be used now.</summary>
    public bool Trusted
    {
        get
        {
            var heard = Volatile.Read(ref _heardUpTo);
            return heard != 0 && Stopwatch.GetElapsedTime(heard) < TrustWindow;
        }
    }

    internal bool Holds(Guid userId) => _states.ContainsKey(userId);

    /// <summary>The user's current state: cached while trusted, else from the database (null: no such user).</summary>
    public async ValueTask<UserState?> GetAsync(NpgsqlDataSource dataSource, Guid userId, CancellationToken ct)
    {
        if (Trusted && _states.TryGetValue(userId, out var cached))
        {
            FromCache.Inc();
            return cached;
        }
        FromDatabase.Inc();
        var generation = Volatile.Read(ref _generation);
        var state = await ReadAsync(dataSource, userId, ct);
        if (state is not null && Trusted)
        {
            if (_states.Count >= MaxEntries)
                _states.Clear();
            _states[userId] = state;
            // An invalidation that raced with the read either sees this entry (and removes it) or bumped the generation first.
            if (Volatile.Read(ref _generation) != generation)
                _states.TryRemove(new KeyValuePair<Guid, UserState>(userId, state));
        }
        return state;
    }

    /// <summary>Reads the row, skipping the cache (the WebSocket handshake, whose socket outlives any cached answer).</summary>
    public static async ValueTask<UserState?> ReadAsync(NpgsqlDataSource dataSource, Guid userId, CancellationToken ct)
    {
        await using var connection = await dataSource.OpenConnectionAsync(ct);
        // Every uncached request runs it: prepared, not parsed and planned each time.
        return await connection.QueryPreparedSingleOrDefaultAsync<UserState>(AuthSetup.UserStateSql, [("Id", userId)], null, ct);
    }

    /// <summary>Forgets one user (their row changed). Call it after the change has committed.</summary>
    public void Invalidate(Guid userId)
    {
        Interlocked.Increment(ref _generation);
        _states.TryRemove(userId, out _);
    }

    /// <summary>The listener heard everything committed before <paramref name="sentAt"/> (a Stopwatch timestamp).</summary>
    internal void Heard(long sentAt) => Volatile.Write(ref _heardUpTo, sentAt);

    /// <summary>The listener's connection is gone: nothing cached is trusted until it is back.</summary>
    internal void Deaf() => Volatile.Write(ref _heardUpTo, 0);

    /// <summary>A new LISTEN connection: what changed while there was none was not heard, so start over.</summary>
    internal void Clear()
    {
        Interlocked.Increment(ref _generation);
        _states.Clear();
    }
}
