using Dapper;
using Npgsql;
using SupportDesk.Infrastructure.Configuration;
using SupportDesk.Infrastructure.Email;
using SupportDesk.Infrastructure.Notifications;
using SupportDesk.Infrastructure.Realtime;

namespace SupportDesk.Infrastructure.Sla;

/// <summary>
/// Finds SLA targets that are due (a breach) or due within SLA_WARNING_MINUTES (a warning) and tells about each exactly
/// once, on whichever instance gets there first: the rows are claimed with FOR UPDATE SKIP LOCKED and stamped in the
/// same transaction as everything they cause (the sla_events row, a staff-only history row and WebSocket event, a
/// stored notification and an email to the assignee, or to every active admin when nobody holds the ticket). There is
/// no timer per ticket: the due times are in the database, so an instance that was down catches up on its first run.
/// Tickets a request is changing right now (row locked) are skipped and taken on the next run.
/// </summary>
public sealed class SlaBreachJob(NpgsqlDataSource dataSource, AppSettings settings, TimeProvider clock, EmailOutbox emails,
    RealtimeEvents events, NotificationWriter notifications, ILogger<SlaBreachJob> logger) : BackgroundService
{
    /// <summary>Rows claimed per transaction (the LIMIT of ClaimSql).</summary>
    public const int BatchSize = 100;

    internal const string ClaimSql = """
        SELECT st.ticket_id, st.target, st.due_at, st.policy_id, st.priority, st.warned_at,
               t.number, t.title, t.status, t.category, t.assignee_id, t.requester_id
        FROM ticket_sla_targets st
        JOIN tickets t ON t.id = st.ticket_id AND t.deleted_at IS NULL
        WHERE st.fulfilled_at IS NULL AND st.breached_at IS NULL AND st.due_at IS NOT NULL
          AND (st.due_at <= @Now OR (st.warned_at IS NULL AND st.due_at <= @WarnBefore))
        ORDER BY st.due_at
        LIMIT 100
        FOR UPDATE OF st SKIP LOCKED
        FOR NO KEY UPDATE OF t SKIP LOCKED
        """;

    internal const string BreachSql = """
        UPDATE ticket_sla_targets SET breached_at = @Now, warned_at = coalesce(warned_at, @Now)
        WHERE ticket_id = @TicketId AND target = @Target
        """;

    // tickets.sla_breached (M20261205150000): system maintenance, so updated_at stays the ticket's last change. The ticket
    // row is already locked by ClaimSql (FOR NO KEY UPDATE, taken before any request could lock it then wait on the targets).
    internal const string FlagBreachedSql = """
        SELECT set_config('supportdesk.sla_system_write', 'on', true);
        UPDATE tickets SET sla_breached = true WHERE id = ANY(@Ids) AND NOT sla_breached;
        SELECT set_config('supportdesk.sla_system_write', 'off', true);
        """;

    internal const string WarnSql = "UPDATE ticket_sla_targets SET warned_at = @Now WHERE ticket_id = @TicketId AND target = @Target";

    internal const string EventSql = """
        INSERT INTO sla_events (id, ticket_id, target, kind, at, policy_id, priority, category, assignee_id, due_at)
        VALUES (@Id, @TicketId, @Target, @Kind, @Now, @PolicyId, @Priority, @Category, @AssigneeId, @DueAt)
        """;

    // The job acts for nobody: actor null. Staff-only, as the events are.
    internal const string HistorySql = """
        INSERT INTO ticket_history (id, ticket_id, actor_id, action, field, old_value, new_value, is_private, created_at)
        VALUES (@Id, @TicketId, NULL, 'updated', @Field, NULL, @Target, true, @Now)
        """;

    internal const string AdminsSql = "SELECT id FROM users WHERE role = 'admin' AND is_active ORDER BY id";

    internal const string BreachedTicketsSql = """
        SELECT count(DISTINCT st.ticket_id) FROM ticket_sla_targets st JOIN tickets t ON t.id = st.ticket_id AND t.deleted_at IS NULL
        WHERE st.fulfilled_at IS NULL AND st.breached_at IS NOT NULL
        """;

    private sealed record Claimed(Guid TicketId, string Target, DateTime DueAt, Guid PolicyId, string Priority, DateTime? WarnedAt,
        long Number, string Title, string Status, string? Category, Guid? AssigneeId, Guid RequesterId);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var interval = TimeSpan.FromSeconds(settings.Sla.JobIntervalSeconds);
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await RunOnceAsync(stoppingToken);
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception e) when (e is NpgsqlException or InvalidOperationException or TimeoutException)
            {
                // The database is away or busy: the due times wait there, the next run picks them up.
                logger.LogWarning("SLA job run failed: {Message}", e.Message);
            }
            try
            {
                await Task.Delay(interval, clock, stoppingToken);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }

    /// <summary>Works through everything due now, batch by batch; returns how many warnings and breaches it sent.</summary>
    public async Task<int> RunOnceAsync(CancellationToken ct)
    {
        var total = 0;
        while (true)
        {
            var sent = await RunBatchAsync(ct);
            total += sent;
            if (sent < BatchSize)
                break;
        }
        await using var connection = await dataSource.OpenConnectionAsync(ct);
        SlaMetrics.SetBreachedTickets(await connection.ExecuteScalarAsync<long>(new CommandDefinition(BreachedTicketsSql, cancellationToken: ct)));
        return total;
    }

    private async Task<int> RunBatchAsync(CancellationToken ct)
    {
        var now = clock.GetUtcNow().UtcDateTime;
        var warnBefore = settings.Sla.WarningMinutes > 0 ? now.AddMinutes(settings.Sla.WarningMinutes) : now;
        await using var connection = await dataSource.OpenConnectionAsync(ct);
        await using var transaction = await connection.BeginTransactionAsync(ct);
        var claimed = (await connection.QueryAsync<Claimed>(new CommandDefinition(ClaimSql, new { Now = now, WarnBefore = warnBefore },
            transaction, cancellationToken: ct))).AsList();
        if (claimed.Count == 0)
            return 0;

        Guid[]? admins = null;
        foreach (var c in claimed)
        {
            var breach = c.DueAt <= now;
            var args = new { c.TicketId, c.Target, Now = now };
            await connection.ExecuteAsync(new CommandDefinition(breach ? BreachSql : WarnSql, args, transaction, cancellationToken: ct));
            await connection.ExecuteAsync(new CommandDefinition(EventSql, new
            {
                Id = Guid.CreateVersion7(), c.TicketId, c.Target, Kind = breach ? "breach" : "warning", Now = now, c.PolicyId, c.Priority,
                c.Category, c.AssigneeId, c.DueAt,
            }, transaction, cancellationToken: ct));
            await connection.ExecuteAsync(new CommandDefinition(HistorySql, new
            {
                Id = Guid.CreateVersion7(), c.TicketId, Field = breach ? "sla_breached" : "sla_warning", c.Target, Now = now,
            }, transaction, cancellationToken: ct));

            var type = breach ? RealtimeEventTypes.TicketSlaBreached : RealtimeEventTypes.TicketSlaWarning;
            var dueText = c.DueAt.ToString("yyyy-MM-ddTHH:mm:ssZ", System.Globalization.CultureInfo.InvariantCulture);
            await events.PublishAsync(connection, transaction, new RealtimeEvent(type, c.TicketId, new EventAudience(c.RequesterId, StaffOnly: true),
                new { ticket_id = c.TicketId, number = c.Number, target = c.Target, due_at = c.DueAt, priority = c.Priority }), ct);

            var recipients = c.AssigneeId is { } assignee
                ? [assignee]
                : admins ??= (await connection.QueryAsync<Guid>(new CommandDefinition(AdminsSql, transaction: transaction, cancellationToken: ct))).ToArray();
            var title = breach ? $"#{c.Number}: SLA {Words(c.Target)} breached" : $"#{c.Number}: SLA {Words(c.Target)} due {dueText}";
            foreach (var recipient in recipients)
            {
                await notifications.CreateAsync(connection, transaction, new NewNotification(recipient, type, title, c.Title, c.TicketId,
                    new { ticket_id = c.TicketId, number = c.Number, target = c.Target, due_at = c.DueAt }), ct);
                await emails.EnqueueAsync(connection, transaction, new OutgoingEmail(breach ? EmailTemplateKeys.SlaBreached : EmailTemplateKeys.SlaWarning,
                    recipient, c.TicketId, new EmailModel
                    {
                        TicketNumber = c.Number, TicketTitle = c.Title, TicketStatus = c.Status, TicketPriority = c.Priority,
                        SlaTarget = c.Target, SlaDueAt = dueText,
                    }), ct);
            }
            if (breach)
                SlaMetrics.Breach(c.Target, c.Priority);
        }
        var breachedIds = claimed.Where(c => c.DueAt <= now).Select(c => c.TicketId).Distinct().ToArray();
        if (breachedIds.Length > 0)
            await connection.ExecuteAsync(new CommandDefinition(FlagBreachedSql, new { Ids = breachedIds }, transaction, cancellationToken: ct));
        await transaction.CommitAsync(ct);
        return claimed.Count;
    }

    private static string Words(string target) => target.Replace('_', ' ');
}
