using System.Diagnostics;
using Npgsql;
using SupportDesk.Infrastructure.Configuration;
using SupportDesk.Infrastructure.Database;

namespace SupportDesk.Infrastructure.Auth;

/// <summary>
/// Keeps <see cref="UserStateCache"/> honest: one dedicated LISTEN connection per instance on the users trigger's
/// channel, and a heartbeat (a round trip on it every <see cref="UserStateCache.HeartbeatInterval"/>) that also reads the
/// notifications waiting there, each invalidating its user. PostgreSQL sends a listening session every
/// notification committed before its query ends ahead of the query's answer, so a heartbeat that comes back proves
/// everything committed before it was sent has been applied; the cache is trusted only while that proof is fresh.
/// The same connection and proof serve the other caches of rarely changed rows (<see cref="IChangeSubscriber"/>).
/// </summary>
public sealed class UserChangeListener(
    AppSettings settings, UserStateCache cache, IEnumerable<IChangeSubscriber> subscribers, ILogger<UserChangeListener> logger) : BackgroundService
{
    private readonly Dictionary<string, IChangeSubscriber> _subscribers = subscribers.ToDictionary(s => s.Channel, StringComparer.Ordinal);

    private static readonly TimeSpan MaxReconnectDelay = TimeSpan.FromSeconds(5);
    private static readonly TimeSpan HeartbeatTimeout = TimeSpan.FromSeconds(5);

    private readonly string _connectionString = new NpgsqlConnectionStringBuilder(settings.ConnectionString)
    {
        Pooling = false,
        KeepAlive = 15,
        ApplicationName = "supportdesk-user-listener",
    }.ConnectionString;

    /// <summary>The backend process of the LISTEN connection while it is up (tests terminate it).</summary>
    internal int? ListenerProcessId { get; private set; }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var delay = TimeSpan.FromMilliseconds(100);
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await using var connection = new NpgsqlConnection(_connectionString);
                connection.Notification += OnNotification;
                await connection.OpenAsync(stoppingToken);
                var channels = string.Concat(_subscribers.Keys.Prepend(UserStateCache.Channel).Select(c => $"LISTEN {c};"));
                await using (var listen = new NpgsqlCommand(channels, connection))
                    await listen.ExecuteNonQueryAsync(stoppingToken);
                // Listening from here on; whatever was cached before may have missed a change.
                cache.Clear();
                foreach (var subscriber in _subscribers.Values)
                    subscriber.Clear();
                ListenerProcessId = connection.ProcessID;
                delay = TimeSpan.FromMilliseconds(100);
                await HeartbeatAsync(connection, stoppingToken);
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                break;
            }
            catch (Exception e) when (e is NpgsqlException or IOException or TimeoutException or OperationCanceledException)
            {
                cache.Deaf();
                ListenerProcessId = null;
                logger.LogWarning("User-change LISTEN connection lost ({Message}); every request checks the database until it is back; reconnecting in {Delay} ms",
                    e.Message, delay.TotalMilliseconds);
                try
                {
                    await Task.Delay(delay, stoppingToken);
                }
                catch (OperationCanceledException)
                {
                    break;
                }
                delay = TimeSpan.FromTicks(Math.Min(delay.Ticks * 2, MaxReconnectDelay.Ticks));
            }
        }
        cache.Deaf();
        ListenerProcessId = null;
    }

    private async Task HeartbeatAsync(NpgsqlConnection connection, CancellationToken stoppingToken)
    {
        await using var heartbeat = new NpgsqlCommand("SELECT 1", connection);
        while (true)
        {
            var sentAt = Stopwatch.GetTimestamp();
            using (var timeout = CancellationTokenSource.CreateLinkedTokenSource(stoppingToken))
            {
                // A connection that stops answering (a partition, not a reset) counts as lost.
                timeout.CancelAfter(HeartbeatTimeout);
                await heartbeat.ExecuteScalarAsync(timeout.Token);
            }
            cache.Heard(sentAt);
            // Npgsql reads a notification with the next round trip, so between heartbeats it waits in the socket: no
            // wait on the connection at all (a timed WaitAsync did not come back on time with nothing to read).
            var left = UserStateCache.HeartbeatInterval - Stopwatch.GetElapsedTime(sentAt);
            if (left > TimeSpan.Zero)
                await Task.Delay(left, stoppingToken);
        }
    }

    // Runs while Npgsql reads the heartbeat's answer, before the heartbeat completes.
    private void OnNotification(object sender, NpgsqlNotificationEventArgs e)
    {
        if (_subscribers.TryGetValue(e.Channel, out var subscriber))
            subscriber.Changed(e.Payload);
        else if (Guid.TryParse(e.Payload, out var userId))
            cache.Invalidate(userId);
        else
            cache.Clear();
    }
}
