using System.Net.WebSockets;
using Dapper;
using Npgsql;
using SupportDesk.Infrastructure.Auth;
using SupportDesk.Infrastructure.Configuration;

namespace SupportDesk.Infrastructure.Realtime;

/// <summary>
/// A socket outlives the request that checked its token, so the users behind open sockets are re-checked with the
/// REST rule (active, same token_version, same role, current shared organization) in one query: every REALTIME_USER_CHECK_SECONDS, and at once
/// when the users table says access changed (NOTIFY from a trigger, on any instance). It also closes sockets whose
/// token has expired, and keeps the groups of restricted agents' sockets current (a membership change notifies too).
/// A change of the restriction itself closes the socket: the client reconnects under the new rule.
/// </summary>
public sealed class RealtimeUserMonitor(
    AppSettings settings, NpgsqlDataSource dataSource, RealtimeHub hub, TimeProvider clock,
    ILogger<RealtimeUserMonitor> logger) : BackgroundService
{
    // shared_organization_id: TicketVisibility.SharedOrganizationOf for every user at once.
    private const string Sql = """
        SELECT u.id, u.role, u.is_active, u.token_version, o.id AS shared_organization_id, u.restricted_to_groups,
               ARRAY(SELECT gm.group_id FROM group_members gm WHERE gm.user_id = u.id) AS group_ids
        FROM users u LEFT JOIN organizations o ON o.id = u.organization_id AND o.shared
        WHERE u.id = ANY(@Ids)
        """;

    private sealed class UserRow
    {
        public Guid Id { get; init; }
        public string Role { get; init; } = "";
        public bool IsActive { get; init; }
        public int TokenVersion { get; init; }
        public Guid? SharedOrganizationId { get; init; }
        public bool RestrictedToGroups { get; init; }
        public Guid[] GroupIds { get; init; } = [];
    }

    private readonly SemaphoreSlim _wake = new(0, 1);

    /// <summary>Runs a check soon; calls while one is pending coalesce into one query.</summary>
    public void CheckNow()
    {
        try
        {
            if (_wake.CurrentCount == 0)
                _wake.Release();
        }
        catch (SemaphoreFullException)
        {
            // Already pending.
        }
    }

    protected override Task ExecuteAsync(CancellationToken stoppingToken) =>
        Task.WhenAll(CheckUsersAsync(stoppingToken), CloseExpiredAsync(stoppingToken));

    // A socket may not outlive its token. One sweep a second over all sockets (microseconds at 10,000) instead of a
    // timer per socket: a socket closes at most a second after its token expires.
    private async Task CloseExpiredAsync(CancellationToken stoppingToken)
    {
        using var tick = new PeriodicTimer(TimeSpan.FromSeconds(1), clock);
        try
        {
            while (await tick.WaitForNextTickAsync(stoppingToken))
                hub.CloseExpired(clock.GetUtcNow());
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
    }

    private async Task CheckUsersAsync(CancellationToken stoppingToken)
    {
        var interval = TimeSpan.FromSeconds(settings.Realtime.UserCheckSeconds);
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await _wake.WaitAsync(interval, stoppingToken);
                await CheckAsync(stoppingToken);
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                break;
            }
            catch (Exception e) when (e is NpgsqlException or TimeoutException)
            {
                logger.LogWarning("Could not re-check WebSocket users: {Message}", e.Message);
                await Task.Delay(TimeSpan.FromSeconds(1), clock, stoppingToken).ContinueWith(_ => { }, TaskScheduler.Default);
            }
        }
    }

    /// <summary>
    /// Closes (1008) every socket whose user is gone, inactive, or has had their tokens retired; brings every other
    /// socket's shared organization up to date.
    /// </summary>
    internal async Task CheckAsync(CancellationToken ct)
    {
        var connections = hub.Connections.Where(c => !c.IsClosing).ToList();
        if (connections.Count == 0)
            return;

        var ids = connections.Select(c => c.User.Id).Distinct().ToArray();
        await using var connection = await dataSource.OpenConnectionAsync(ct);
        var users = (await connection.QueryAsync<UserRow>(new CommandDefinition(Sql, new { Ids = ids }, cancellationToken: ct)))
            .ToDictionary(u => u.Id);

        foreach (var socket in connections)
        {
            var still = users.TryGetValue(socket.User.Id, out var user)
                && user.IsActive
                && user.TokenVersion == socket.TokenVersion
                && user.Role == socket.User.Role.ToDb()
                && user.RestrictedToGroups == socket.User.RestrictedToGroups;
            if (!still)
                socket.Close(WebSocketCloseStatus.PolicyViolation, "Access revoked: sign in again");
            else
            {
                // Moved between organizations, or sharing switched: the socket keeps going and hears what the user may see now.
                if (socket.SharedOrganization?.Id != user!.SharedOrganizationId)
                    socket.SharedOrganization = user.SharedOrganizationId is { } id ? new SharedOrganization(id) : null;
                if (socket.Groups is { } groups && !groups.SetEquals(user.GroupIds))
                    socket.Groups = [.. user.GroupIds];
            }
        }
    }
}
