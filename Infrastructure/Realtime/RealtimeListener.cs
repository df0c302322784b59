using System.Threading.Channels;
using Dapper;
using Npgsql;
using SupportDesk.Infrastructure.Configuration;

namespace SupportDesk.Infrastructure.Realtime;

/// <summary>
/// Holds one dedicated LISTEN connection per instance and hands every event to this instance's sockets. Events from
/// all instances (this one included) arrive this way, at commit. A lost connection is reopened by itself, and what
/// was committed meanwhile is read back from realtime_events.
/// </summary>
public sealed class RealtimeListener(
    AppSettings settings, NpgsqlDataSource dataSource, RealtimeHub hub, RealtimeUserMonitor monitor,
    TimeProvider clock, ILogger<RealtimeListener> logger) : BackgroundService
{
    // NOTIFY may lag the row's occurred_at (a long transaction, a late-detected dead connection): look back this far.
    private static readonly TimeSpan CatchUpMargin = TimeSpan.FromSeconds(60);
    private static readonly TimeSpan MaxReconnectDelay = TimeSpan.FromSeconds(10);
    private const int RememberedIds = 10_000;

    private const string EventSql = """
        SELECT id, type, ticket_id, requester_id, staff_only, target_user_id, organization_id, group_id, assignee_id, data::text AS data, occurred_at
        FROM realtime_events WHERE id = @Id
        """;

    private const string CatchUpSql = """
        SELECT id, type, ticket_id, requester_id, staff_only, target_user_id, organization_id, group_id, assignee_id, data::text AS data, occurred_at
        FROM realtime_events WHERE occurred_at > @Since
        ORDER BY occurred_at, id
        LIMIT 10000
        """;

    private sealed class EventRow
    {
        public Guid Id { get; init; }
        public string Type { get; init; } = "";
        public Guid? TicketId { get; init; }
        public Guid? RequesterId { get; init; }
        public bool StaffOnly { get; init; }
        public Guid? TargetUserId { get; init; }
        public Guid? OrganizationId { get; init; }
        public Guid? GroupId { get; init; }
        public Guid? AssigneeId { get; init; }
        public string Data { get; init; } = "null";
        public DateTime OccurredAt { get; init; }
    }

    /// <summary>A NOTIFY payload to deliver, a request to read back what was committed since a time, or a user change.</summary>
    private readonly record struct Work(string? Payload, DateTimeOffset? CatchUpSince, bool UserAccessChanged = false);

    private readonly Channel<Work> _work = Channel.CreateUnbounded<Work>(new UnboundedChannelOptions { SingleReader = true });
    private readonly HashSet<Guid> _seen = [];
    private readonly Queue<Guid> _seenOrder = new();
    private readonly string _connectionString = new NpgsqlConnectionStringBuilder(settings.ConnectionString)
    {
        Pooling = false,
        KeepAlive = 15,
        ApplicationName = "supportdesk-listener",
    }.ConnectionString;

    /// <summary>The backend process of the LISTEN connection while it is up (tests terminate it).</summary>
    internal int? ListenerProcessId { get; private set; }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var delivering = DeliverAsync(stoppingToken);
        // Clients may connect before LISTEN is up: the first catch-up covers events since start.
        DateTimeOffset? missingSince = clock.GetUtcNow();
        var delay = TimeSpan.FromMilliseconds(250);

        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await using var connection = new NpgsqlConnection(_connectionString);
                connection.Notification += OnNotification;
                await connection.OpenAsync(stoppingToken);
                await using (var listen = new NpgsqlCommand(
                    $"LISTEN {RealtimeEvents.Channel}; LISTEN {RealtimeEvents.UserAccessChannel};", connection))
                {
                    await listen.ExecuteNonQueryAsync(stoppingToken);
                }
                ListenerProcessId = connection.ProcessID;
                if (missingSince is { } since)
                {
                    _work.Writer.TryWrite(new Work(null, since));
                    // User changes may have been missed too.
                    monitor.CheckNow();
                    missingSince = null;
                }
                delay = TimeSpan.FromMilliseconds(250);

                while (true)
                    await connection.WaitAsync(stoppingToken);
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                break;
            }
            catch (Exception e) when (e is NpgsqlException or IOException or TimeoutException)
            {
                ListenerProcessId = null;
                missingSince ??= clock.GetUtcNow() - CatchUpMargin;
                logger.LogWarning("Realtime LISTEN connection lost ({Message}); reconnecting in {Delay} ms", e.Message, delay.TotalMilliseconds);
                try
                {
                    await Task.Delay(delay, clock, stoppingToken);
                }
                catch (OperationCanceledException)
                {
                    break;
                }
                delay = TimeSpan.FromTicks(Math.Min(delay.Ticks * 2, MaxReconnectDelay.Ticks));
            }
        }

        ListenerProcessId = null;
        _work.Writer.TryComplete();
        await delivering;
    }

    // Runs on Npgsql's read loop: only hand over, never wait here.
    private void OnNotification(object sender, NpgsqlNotificationEventArgs e)
    {
        if (e.Channel == RealtimeEvents.UserAccessChannel)
            _work.Writer.TryWrite(new Work(null, null, UserAccessChanged: true));
        else
            _work.Writer.TryWrite(new Work(e.Payload, null));
    }

    /// <summary>One reader, so events reach each socket in commit order.</summary>
    private async Task DeliverAsync(CancellationToken ct)
    {
        try
        {
            await foreach (var work in _work.Reader.ReadAllAsync(ct))
            {
                try
                {
                    if (work.Payload is { } payload)
                        await DeliverNotificationAsync(payload, ct);
                    else if (work.CatchUpSince is { } since)
                        await CatchUpAsync(since, ct);
                    else if (work.UserAccessChanged)
                        await CheckUsersInOrderAsync(ct);
                }
                catch (Exception e) when (e is NpgsqlException or TimeoutException)
                {
                    logger.LogWarning(e, "Could not read a realtime event back from the database; it is not delivered by this instance");
                }
            }
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
            // Shutting down.
        }
    }

    private async Task DeliverNotificationAsync(string payload, CancellationToken ct)
    {
        if (!RealtimeWire.TryParse(payload, out var id, out var routing, out var envelope))
        {
            logger.LogWarning("Ignoring a malformed realtime NOTIFY payload");
            return;
        }
        if (!Remember(id))
            return;
        if (routing is not null && envelope is not null)
        {
            await hub.DispatchAsync(routing, envelope);
            return;
        }

        // Too big for NOTIFY: the row has it.
        await using var connection = await dataSource.OpenConnectionAsync(ct);
        var row = await connection.QuerySingleOrDefaultAsync<EventRow>(new CommandDefinition(EventSql, new { Id = id }, cancellationToken: ct));
        if (row is not null)
            await DispatchAsync(row);
    }

    // NOTIFYs arrive in commit order, so checking here, in line, closes a demoted or deactivated user's sockets
    // before any event committed after the change (the releases of their tickets, say) is handed to them.
    private async Task CheckUsersInOrderAsync(CancellationToken ct)
    {
        try
        {
            await monitor.CheckAsync(ct);
        }
        catch (Exception e) when (e is NpgsqlException or TimeoutException)
        {
            logger.LogWarning("Could not re-check WebSocket users at once ({Message}); the monitor retries", e.Message);
            monitor.CheckNow();
        }
    }

    private async Task CatchUpAsync(DateTimeOffset since, CancellationToken ct)
    {
        await using var connection = await dataSource.OpenConnectionAsync(ct);
        var rows = await connection.QueryAsync<EventRow>(new CommandDefinition(CatchUpSql, new { Since = since }, cancellationToken: ct));
        foreach (var row in rows)
        {
            if (Remember(row.Id))
                await DispatchAsync(row);
        }
    }

    private ValueTask<int> DispatchAsync(EventRow row)
    {
        var routing = new RoutedEvent(row.Id, row.Type, row.TicketId, row.RequesterId, row.StaffOnly, row.TargetUserId,
            new DateTimeOffset(DateTime.SpecifyKind(row.OccurredAt, DateTimeKind.Utc)), row.OrganizationId, row.GroupId, row.AssigneeId);
        return hub.DispatchAsync(routing, RealtimeWire.WriteEnvelope(routing, System.Text.Encoding.UTF8.GetBytes(row.Data)));
    }

    /// <summary>False when the event was delivered already (NOTIFY and a catch-up can both bring it).</summary>
    private bool Remember(Guid id)
    {
        if (!_seen.Add(id))
            return false;
        _seenOrder.Enqueue(id);
        if (_seenOrder.Count > RememberedIds)
            _seen.Remove(_seenOrder.Dequeue());
        return true;
    }
}
