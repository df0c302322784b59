using System.Buffers;
using System.Collections.Concurrent;
using System.Net.WebSockets;
using System.Threading.RateLimiting;
using Dapper;
using Npgsql;
using SupportDesk.Infrastructure.Configuration;

namespace SupportDesk.Infrastructure.Realtime;

public enum ConnectionSlot
{
    Reserved,
    UserLimitReached,
    ServerFull,
}

/// <summary>
/// The sockets of this instance: connection limits, client message budgets, and fan-out of each event to those allowed
/// to see it.
/// </summary>
public sealed class RealtimeHub : IDisposable
{
    // The REST visibility rule for tickets: staff see every non-deleted ticket, a customer those TicketVisibility allows.
    private const string MaySeeTicketSql = $"SELECT EXISTS (SELECT 1 FROM tickets t WHERE t.id = @TicketId AND {Auth.TicketVisibility.VisibleTo})";

    private readonly ConcurrentDictionary<Guid, RealtimeConnection> _connections = new();
    private readonly Dictionary<Guid, int> _perUser = [];
    private readonly NpgsqlDataSource _dataSource;
    private readonly RealtimeSettings _settings;
    private int _reserved;
    // Token buckets per socket and per user, made when a socket first sends and dropped by the framework once full and
    // idle, so a quiet socket costs nothing here. The chain takes a message from both.
    private readonly PartitionedRateLimiter<RealtimeConnection> _socketMessages;
    private readonly PartitionedRateLimiter<RealtimeConnection> _userMessages;
    private readonly PartitionedRateLimiter<RealtimeConnection> _messages;
    private readonly PartitionedRateLimiter<Guid> _failedSubscribes;
    private long _subscribeChecks;

    /// <summary>How long a closing socket may take before it is aborted (REALTIME_CLOSE_GRACE_SECONDS).</summary>
    internal TimeSpan CloseGrace { get; }

    public RealtimeHub(NpgsqlDataSource dataSource, AppSettings settings, IHostApplicationLifetime lifetime)
    {
        _dataSource = dataSource;
        _settings = settings.Realtime;
        CloseGrace = TimeSpan.FromSeconds(_settings.CloseGraceSeconds);
        var socketBucket = Bucket(_settings.MessagesPerSecond, _settings.MessageBurst, TimeSpan.FromSeconds(1));
        var userBucket = Bucket(_settings.UserMessagesPerSecond, 2 * _settings.UserMessagesPerSecond, TimeSpan.FromSeconds(1));
        var failedBucket = Bucket(_settings.FailedSubscribesPerMinute, _settings.FailedSubscribesPerMinute, TimeSpan.FromMinutes(1));
        _socketMessages = PartitionedRateLimiter.Create<RealtimeConnection, Guid>(c => RateLimitPartition.GetTokenBucketLimiter(c.Id, socketBucket));
        _userMessages = PartitionedRateLimiter.Create<RealtimeConnection, Guid>(c => RateLimitPartition.GetTokenBucketLimiter(c.User.Id, userBucket));
        _messages = PartitionedRateLimiter.CreateChained(_socketMessages, _userMessages);
        _failedSubscribes = PartitionedRateLimiter.Create<Guid, Guid>(userId => RateLimitPartition.GetTokenBucketLimiter(userId, failedBucket));
        // Tell clients why the socket ends, instead of letting the shutdown timeout cut them off.
        lifetime.ApplicationStopping.Register(() =>
        {
            foreach (var connection in _connections.Values)
                connection.Close(WebSocketCloseStatus.EndpointUnavailable, "Server shutting down");
        });
    }

    public int Count => _connections.Count;

    /// <summary>Subscribe checks this instance has run against the database.</summary>
    public long SubscribeChecks => Interlocked.Read(ref _subscribeChecks);

    /// <summary>How many over-budget messages in a row a socket may send before it is closed.</summary>
    internal int FloodTolerance => Math.Min(_settings.MessageBurst, ushort.MaxValue - 1);

    private static Func<Guid, TokenBucketRateLimiterOptions> Bucket(int tokens, int limit, TimeSpan period)
    {
        var options = new TokenBucketRateLimiterOptions
        {
            TokenLimit = limit,
            TokensPerPeriod = tokens,
            ReplenishmentPeriod = period,
            QueueLimit = 0,
        };
        return _ => options;
    }

    /// <summary>Takes one client message from the socket's budget and its user's.</summary>
    internal bool TryTakeMessage(RealtimeConnection connection)
    {
        using var lease = _messages.AttemptAcquire(connection);
        return lease.IsAcquired;
    }

    /// <summary>
    /// Whether the user has failed subscribes left; <see cref="CountFailedSubscribe"/> spends one. Checked before the
    /// database check and spent after it, so a user can overrun it by at most one check per open socket.
    /// </summary>
    // Whole permits: a bucket refills by fractions, and asking for zero permits would pass on any fraction of one.
    internal bool MayCheckTicket(Guid userId) => _failedSubscribes.GetStatistics(userId)?.CurrentAvailablePermits > 0;

    internal void CountFailedSubscribe(Guid userId) => _failedSubscribes.AttemptAcquire(userId).Dispose();

    public void Dispose()
    {
        _messages.Dispose();
        _socketMessages.Dispose();
        _userMessages.Dispose();
        _failedSubscribes.Dispose();
    }

    public IEnumerable<RealtimeConnection> Connections => _connections.Values;

    /// <summary>Takes a slot for a new socket of this user, or says which limit stops it. Release it when the socket ends.</summary>
    public ConnectionSlot TryReserve(Guid userId)
    {
        lock (_perUser)
        {
            if (_reserved >= _settings.MaxConnections)
                return ConnectionSlot.ServerFull;
            var mine = _perUser.GetValueOrDefault(userId);
            if (mine >= _settings.MaxConnectionsPerUser)
                return ConnectionSlot.UserLimitReached;
            _perUser[userId] = mine + 1;
            _reserved++;
            return ConnectionSlot.Reserved;
        }
    }

    public void Release(Guid userId)
    {
        lock (_perUser)
        {
            _reserved--;
            if (_perUser.TryGetValue(userId, out var mine) && mine > 1)
                _perUser[userId] = mine - 1;
            else
                _perUser.Remove(userId);
        }
    }

    internal void Add(RealtimeConnection connection) => _connections[connection.Id] = connection;

    internal void Remove(RealtimeConnection connection) => _connections.TryRemove(connection.Id, out _);

    // Sends handed to the transport between two yields, so one broadcast does not hold a thread for its whole length
    // and the transport's queued sends get their turn. Each write waiting in the transport holds a 4 KB pool block;
    // when the pool runs more threads than cores the fan-out still outpaces the sends, whatever the slice size
    // (bench/README.md, WebSocket).
    private const int SendsPerSlice = 256;

    /// <summary>
    /// Queues the envelope on every socket whose user may see the event; never waits for any one of them. Yields to
    /// the thread pool after each slice, behind the transport's queued sends, so they go out before the next slice.
    /// With inline sends each write goes on the wire at once, on the thread that writes it: the recipients are then
    /// split across the cores instead.
    /// </summary>
    internal async ValueTask<int> DispatchAsync(RoutedEvent e, byte[] envelope)
    {
        if (_settings.InlineSends)
            return await DispatchOnEveryCoreAsync(e, envelope);
        var delivered = 0;
        // The dictionary's own enumerator: .Values would lock every bucket and copy all sockets into a list per event.
        foreach (var (_, connection) in _connections)
        {
            if (!RealtimeClientProtocol.Wants(connection, e))
                continue;
            connection.Send(envelope);
            if (++delivered % SendsPerSlice == 0)
                await Task.Yield();
        }
        return delivered;
    }

    private async Task<int> DispatchOnEveryCoreAsync(RoutedEvent e, byte[] envelope)
    {
        // The recipients, in a pooled array: a new one per event would grow with the number of sockets.
        var recipients = ArrayPool<RealtimeConnection>.Shared.Rent(Math.Max(_connections.Count, SendsPerSlice));
        var count = 0;
        try
        {
            foreach (var (_, connection) in _connections)
            {
                if (!RealtimeClientProtocol.Wants(connection, e))
                    continue;
                if (count == recipients.Length)
                {
                    var bigger = ArrayPool<RealtimeConnection>.Shared.Rent(count * 2);
                    recipients.AsSpan(0, count).CopyTo(bigger);
                    ArrayPool<RealtimeConnection>.Shared.Return(recipients, clearArray: true);
                    recipients = bigger;
                }
                recipients[count++] = connection;
            }
            var parts = Math.Clamp(count / SendsPerSlice, 1, Environment.ProcessorCount);
            var all = recipients;
            var total = count;
            await Task.WhenAll(Enumerable.Range(0, parts).Select(part => Task.Run(() =>
            {
                for (var i = total * part / parts; i < total * (part + 1) / parts; i++)
                    all[i].Send(envelope);
            })));
            return count;
        }
        finally
        {
            ArrayPool<RealtimeConnection>.Shared.Return(recipients, clearArray: true);
        }
    }

    /// <summary>Closes (1008) every socket whose token has expired by now.</summary>
    internal void CloseExpired(DateTimeOffset now)
    {
        foreach (var (_, connection) in _connections)
        {
            if (connection.ExpiresAt <= now && !connection.IsClosing)
                connection.Close(WebSocketCloseStatus.PolicyViolation, "Token expired: sign in again");
        }
    }

    internal const string GroupsSql = "SELECT group_id FROM group_members WHERE user_id = @UserId";

    /// <summary>The groups of a user restricted to them, or null for a user who is not (customers are filtered by requester).</summary>
    internal async Task<System.Collections.Immutable.ImmutableHashSet<Guid>?> GroupsOfAsync(Auth.CurrentUser user, CancellationToken ct)
    {
        if (!user.IsStaff || user.SeesAllTickets)
            return null;
        await using var db = await _dataSource.OpenConnectionAsync(ct);
        return [.. await db.QueryAsync<Guid>(new CommandDefinition(GroupsSql, new { UserId = user.Id }, cancellationToken: ct))];
    }

    internal async Task<bool> MaySeeTicketAsync(Guid ticketId, RealtimeConnection connection, CancellationToken ct)
    {
        Interlocked.Increment(ref _subscribeChecks);
        await using var db = await _dataSource.OpenConnectionAsync(ct);
        return await db.ExecuteScalarAsync<bool>(new CommandDefinition(MaySeeTicketSql,
            new { TicketId = ticketId, connection.User.IsStaff, SeesAll = connection.User.SeesAllTickets, UserId = connection.User.Id }, cancellationToken: ct));
    }

    /// <summary>
    /// Reads the customer's shared organization onto the socket. Called once the socket is in the hub, so an access change
    /// committed meanwhile reaches it through the user monitor; until then it hears only its own tickets.
    /// </summary>
    internal async Task LoadSharedOrganizationAsync(RealtimeConnection connection, CancellationToken ct)
    {
        if (connection.User.IsStaff)
            return;
        await using var db = await _dataSource.OpenConnectionAsync(ct);
        var organization = await db.ExecuteScalarAsync<Guid?>(new CommandDefinition(Auth.TicketVisibility.SharedOrganizationOf,
            new { UserId = connection.User.Id }, cancellationToken: ct));
        connection.SharedOrganization = organization is { } id ? new SharedOrganization(id) : null;
    }
}
