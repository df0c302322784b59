using Dapper;
using NodaTime;
using Npgsql;

namespace SupportDesk.Infrastructure.Sla;

/// <summary>What the clock needs to know of a ticket (statuses and priorities as their stored snake_case text).</summary>
public sealed record SlaTicket(Guid Id, string Status, string Priority, string? Category, string[] Tags, Guid? AssigneeId,
    DateTime? FirstResponseAt, Guid? PolicyId);

/// <summary>A public comment, as the clock sees it: staff replies fulfil reply targets, customer messages start next_reply.</summary>
public enum SlaReply { None, Staff, Customer }

/// <summary>The clock's state as a ticket shows it.</summary>
public sealed record SlaSummary(Guid? PolicyId, DateTime? FirstReplyDueAt, DateTime? NextReplyDueAt, DateTime? ResolutionDueAt,
    bool Paused, string[] Breached);

/// <summary>What a change did to the clock: the new state, and the policy before and after when a re-evaluation moved it.</summary>
public sealed record SlaOutcome(SlaSummary Summary, bool PolicyChanged, string? OldPolicy, string? NewPolicy);

/// <summary>
/// Runs the SLA clock of a ticket inside the change's own transaction: applies the first matching policy, starts,
/// pauses, resumes, fulfils and restarts targets, and records each of those as an sla_events row. Targets run while
/// the ticket is open or in progress; pending pauses them; resolved or closed fulfils resolution (a reopen starts a
/// new cycle) and pauses the reply targets. Breaches are not found here but by the breach job, from the due times stored.
/// </summary>
public sealed class SlaClock(TimeProvider clock)
{
    private static readonly string[] Running = ["open", "in_progress"];
    private static readonly string[] Done = ["resolved", "closed"];

    internal const string PoliciesSql = """
        SELECT id, priorities, categories, tags, schedule_id, targets::text AS targets
        FROM sla_policies ORDER BY position, created_at, id
        """;

    internal const string PolicySql = "SELECT id, priorities, categories, tags, schedule_id, targets::text AS targets FROM sla_policies WHERE id = @Id";

    internal const string SchedulesSql = "SELECT id, time_zone, intervals::text AS intervals, holidays::text AS holidays FROM sla_schedules WHERE id = ANY(@Ids)";

    internal const string TargetsSql = """
        SELECT ticket_id, target, policy_id, priority, minutes, schedule_id, started_at, running_since, consumed_ms,
               due_at, fulfilled_at, warned_at, breached_at
        FROM ticket_sla_targets WHERE ticket_id = @TicketId
        ORDER BY target
        FOR UPDATE
        """;

    internal const string DeleteTargetsSql = "DELETE FROM ticket_sla_targets WHERE ticket_id = @TicketId AND target = ANY(@Targets)";

    internal const string UpsertTargetSql = """
        INSERT INTO ticket_sla_targets (ticket_id, target, policy_id, priority, minutes, schedule_id, started_at, running_since,
                                        consumed_ms, due_at, fulfilled_at, warned_at, breached_at)
        VALUES (@TicketId, @Target, @PolicyId, @Priority, @Minutes, @ScheduleId, @StartedAt, @RunningSince,
                @ConsumedMs, @DueAt, @FulfilledAt, @WarnedAt, @BreachedAt)
        ON CONFLICT (ticket_id, target) DO UPDATE SET
            policy_id = excluded.policy_id, priority = excluded.priority, minutes = excluded.minutes, schedule_id = excluded.schedule_id,
            started_at = excluded.started_at, running_since = excluded.running_since, consumed_ms = excluded.consumed_ms,
            due_at = excluded.due_at, fulfilled_at = excluded.fulfilled_at, warned_at = excluded.warned_at, breached_at = excluded.breached_at
        """;

    internal const string InsertEventSql = """
        INSERT INTO sla_events (id, ticket_id, target, kind, at, policy_id, priority, category, assignee_id, due_at,
                                elapsed_ms, counted_ms, late)
        VALUES (@Id, @TicketId, @Target, @Kind, @At, @PolicyId, @Priority, @Category, @AssigneeId, @DueAt,
                @ElapsedMs, @CountedMs, @Late)
        """;

    internal const string SummarySql = """
        UPDATE tickets SET sla_policy_id = @PolicyId, sla_first_reply_due_at = @FirstReplyDueAt, sla_next_reply_due_at = @NextReplyDueAt,
            sla_resolution_due_at = @ResolutionDueAt, sla_paused = @Paused, sla_due_at = @DueAt,
            sla_breached = EXISTS (SELECT 1 FROM ticket_sla_targets st
                                   WHERE st.ticket_id = @TicketId AND st.fulfilled_at IS NULL AND st.breached_at IS NOT NULL)
        WHERE id = @TicketId
        """;

    private sealed class PolicyRow
    {
        public Guid Id { get; init; }
        public string[]? Priorities { get; init; }
        public string[]? Categories { get; init; }
        public string[]? Tags { get; init; }
        public Guid? ScheduleId { get; init; }
        public string Targets { get; init; } = "[]";
    }

    private sealed record ScheduleRow(Guid Id, string TimeZone, string Intervals, string Holidays);

    internal sealed class TargetRow
    {
        public Guid TicketId { get; set; }
        public string Target { get; set; } = "";
        public Guid PolicyId { get; set; }
        public string Priority { get; set; } = "";
        public int Minutes { get; set; }
        public Guid? ScheduleId { get; set; }
        public DateTime StartedAt { get; set; }
        public DateTime? RunningSince { get; set; }
        public long ConsumedMs { get; set; }
        public DateTime? DueAt { get; set; }
        public DateTime? FulfilledAt { get; set; }
        public DateTime? WarnedAt { get; set; }
        public DateTime? BreachedAt { get; set; }
        public bool Open => FulfilledAt is null;
    }

    private sealed record SlaEventRow(Guid Id, Guid TicketId, string Target, string Kind, DateTime At, Guid PolicyId, string Priority,
        string? Category, Guid? AssigneeId, DateTime? DueAt, long? ElapsedMs, long? CountedMs, bool? Late);

    /// <summary>
    /// Brings the clock up to date with a change: <paramref name="before"/> null for a new ticket. Returns null when
    /// the change cannot touch the clock (nothing it reads changed), so the ticket row is left alone.
    /// </summary>
    public async Task<SlaOutcome?> ApplyAsync(NpgsqlConnection connection, NpgsqlTransaction transaction,
        SlaTicket? before, SlaTicket after, SlaReply reply, CancellationToken ct)
    {
        var reevaluate = before is null || before.Priority != after.Priority || before.Category != after.Category
                         || !before.Tags.SequenceEqual(after.Tags);
        var statusChanged = before is not null && before.Status != after.Status;
        if (!reevaluate && !statusChanged && reply == SlaReply.None)
            return null;
        // Nothing to run and nothing that could start one: most tickets where no policy is set up at all.
        if (!reevaluate && after.PolicyId is null)
            return null;

        // Whole milliseconds, so every stored difference (consumed_ms) is exact.
        var utc = clock.GetUtcNow().UtcDateTime;
        var now = utc.AddTicks(-(utc.Ticks % TimeSpan.TicksPerMillisecond));
        var work = new Work(connection, transaction, after, now);
        var rows = before is null
            ? new Dictionary<string, TargetRow>()
            : (await connection.QueryAsync<TargetRow>(new CommandDefinition(TargetsSql, new { TicketId = after.Id }, transaction, cancellationToken: ct)))
                .ToDictionary(r => r.Target);

        var policyId = after.PolicyId;
        if (reevaluate)
            policyId = await ReevaluateAsync(work, rows, ct);

        if (before is not null && statusChanged)
        {
            if (Done.Contains(after.Status) && !Done.Contains(before.Status) && rows.GetValueOrDefault(SlaTargets.Resolution) is { Open: true } resolution)
                await FulfilAsync(work, resolution, ct);
            if (Done.Contains(before.Status) && !Done.Contains(after.Status) && rows.GetValueOrDefault(SlaTargets.Resolution) is { } done && !done.Open)
                await RestartAsync(work, done, ct);
        }

        if (reply == SlaReply.Staff)
        {
            foreach (var target in new[] { SlaTargets.FirstReply, SlaTargets.NextReply })
                if (rows.GetValueOrDefault(target) is { Open: true } row)
                    await FulfilAsync(work, row, ct);
        }
        else if (reply == SlaReply.Customer && policyId is { } pid
                 && rows.GetValueOrDefault(SlaTargets.FirstReply) is not { Open: true }
                 && rows.GetValueOrDefault(SlaTargets.NextReply) is not { Open: true })
        {
            // The clock runs from the oldest unanswered customer message, so a second message before a reply changes nothing.
            var policy = await connection.QuerySingleOrDefaultAsync<PolicyRow>(new CommandDefinition(PolicySql, new { Id = pid }, transaction, cancellationToken: ct));
            var spec = policy is null ? null : TargetsFor(policy, after.Priority);
            if (spec?.NextReplyTime is { } next)
                rows[SlaTargets.NextReply] = await StartAsync(work, policy!, SlaTargets.NextReply, next, rows.GetValueOrDefault(SlaTargets.NextReply), ct);
        }

        // Every open target runs exactly while the ticket is open or in progress.
        var shouldRun = Running.Contains(after.Status);
        foreach (var row in rows.Values.Where(r => r.Open))
        {
            if (shouldRun && row.RunningSince is null)
            {
                row.RunningSince = now;
                await work.DueAsync(row, ct);
                work.Event(row, "resume");
            }
            else if (!shouldRun && row.RunningSince is { } since)
            {
                row.ConsumedMs += await work.CountedMsAsync(row, since, now, ct);
                row.RunningSince = null;
                row.DueAt = null;
                work.Event(row, "pause");
            }
        }

        await work.SaveAsync(rows.Values, ct);
        var summary = Summary(policyId, after.Status, rows.Values);
        // A new ticket no policy applies to keeps the columns it was inserted with (all empty): rewriting the row to the
        // same values cost a second version of it in every index of tickets (a millisecond per ticket opened by mail).
        if (before is null && policyId is null && rows.Count == 0)
            return new SlaOutcome(summary, false, null, null);
        await connection.ExecuteAsync(new CommandDefinition(SummarySql, new
        {
            TicketId = after.Id, summary.PolicyId, summary.FirstReplyDueAt, summary.NextReplyDueAt, summary.ResolutionDueAt, summary.Paused,
            DueAt = rows.Values.Where(r => r.Open && r.DueAt is not null).Select(r => r.DueAt).Min(),
        }, transaction, cancellationToken: ct));

        var changed = policyId != after.PolicyId || (before is not null && reevaluate && before.Priority != after.Priority && policyId is not null);
        return new SlaOutcome(summary, changed && before is not null, after.PolicyId?.ToString(), policyId?.ToString());
    }

    /// <summary>The first matching policy's targets replace the running ones: time already counted stays counted.</summary>
    private async Task<Guid?> ReevaluateAsync(Work work, Dictionary<string, TargetRow> rows, CancellationToken ct)
    {
        var ticket = work.Ticket;
        var policies = await work.Connection.QueryAsync<PolicyRow>(new CommandDefinition(PoliciesSql, transaction: work.Transaction, cancellationToken: ct));
        var match = policies.Select(p => (Policy: p, Targets: Matches(p, ticket) ? TargetsFor(p, ticket.Priority) : null))
            .FirstOrDefault(p => p.Targets is not null);

        var cancelled = new List<string>();
        foreach (var target in SlaTargets.All)
        {
            var spec = match.Targets?.For(target);
            var row = rows.GetValueOrDefault(target);
            if (spec is null)
            {
                if (row is { Open: true })
                {
                    work.Event(row, "cancel");
                    rows.Remove(target);
                    cancelled.Add(target);
                }
                continue;
            }
            var scheduleId = spec.BusinessHours ? match.Policy.ScheduleId : null;
            if (row is { Open: true })
            {
                if (row.RunningSince is { } since)
                {
                    row.ConsumedMs += await work.CountedMsAsync(row, since, work.Now, ct);
                    row.RunningSince = work.Now;
                }
                (row.PolicyId, row.Priority, row.Minutes, row.ScheduleId) = (match.Policy.Id, ticket.Priority, spec.Minutes, scheduleId);
                await work.DueAsync(row, ct);
                work.Event(row, "activate");
            }
            else if (row is null && StartsOnItsOwn(target, ticket))
            {
                rows[target] = await StartAsync(work, match.Policy, target, spec, null, ct);
            }
        }
        if (cancelled.Count > 0)
            await work.Connection.ExecuteAsync(new CommandDefinition(DeleteTargetsSql, new { TicketId = ticket.Id, Targets = cancelled.ToArray() },
                work.Transaction, cancellationToken: ct));
        return match.Targets is null ? null : match.Policy.Id;
    }

    // next_reply waits for a customer message; the others start with the ticket (or the re-evaluation that adds them).
    private static bool StartsOnItsOwn(string target, SlaTicket ticket) => target switch
    {
        SlaTargets.FirstReply => ticket.FirstResponseAt is null,
        SlaTargets.Resolution => !Done.Contains(ticket.Status),
        _ => false,
    };

    private static async Task<TargetRow> StartAsync(Work work, PolicyRow policy, string target, SlaTargetSpec spec, TargetRow? previous, CancellationToken ct)
    {
        var row = previous ?? new TargetRow { TicketId = work.Ticket.Id, Target = target };
        (row.PolicyId, row.Priority, row.Minutes, row.ScheduleId) = (policy.Id, work.Ticket.Priority, spec.Minutes, spec.BusinessHours ? policy.ScheduleId : null);
        await RestartAsync(work, row, ct);
        return row;
    }

    /// <summary>A new cycle from now, running at once unless the ticket is waiting (then the status rule pauses it).</summary>
    private static async Task RestartAsync(Work work, TargetRow row, CancellationToken ct)
    {
        (row.StartedAt, row.RunningSince, row.ConsumedMs) = (work.Now, Running.Contains(work.Ticket.Status) ? work.Now : null, 0);
        (row.FulfilledAt, row.WarnedAt, row.BreachedAt) = (null, null, null);
        await work.DueAsync(row, ct);
        work.Event(row, "activate");
    }

    private static async Task FulfilAsync(Work work, TargetRow row, CancellationToken ct)
    {
        if (row.RunningSince is { } since)
            row.ConsumedMs += await work.CountedMsAsync(row, since, work.Now, ct);
        row.RunningSince = null;
        row.FulfilledAt = work.Now;
        var late = row.BreachedAt is not null || (row.DueAt is { } due && due < work.Now);
        work.Event(row, "fulfil", (long)(work.Now - row.StartedAt).TotalMilliseconds, row.ConsumedMs, late);
        row.DueAt = null;
    }

    private static bool Matches(PolicyRow p, SlaTicket t) =>
        (p.Priorities is null || p.Priorities.Contains(t.Priority))
        && (p.Categories is null || (t.Category is { } c && p.Categories.Contains(c.Trim().ToLowerInvariant())))
        && (p.Tags is null || p.Tags.Intersect(t.Tags).Any());

    private static SlaPriorityTargetsSpec? TargetsFor(PolicyRow p, string priority) =>
        (SlaJson.Read<SlaPriorityTargetsSpec[]>(p.Targets) ?? []).FirstOrDefault(t => t.Priority == priority);

    private static SlaSummary Summary(Guid? policyId, string status, IEnumerable<TargetRow> rows)
    {
        var open = rows.Where(r => r.Open).ToDictionary(r => r.Target);
        return new SlaSummary(policyId,
            open.GetValueOrDefault(SlaTargets.FirstReply)?.DueAt, open.GetValueOrDefault(SlaTargets.NextReply)?.DueAt,
            open.GetValueOrDefault(SlaTargets.Resolution)?.DueAt,
            status == "pending" && open.Count > 0,
            open.Values.Where(r => r.BreachedAt is not null).Select(r => r.Target).Order(StringComparer.Ordinal).ToArray());
    }

    /// <summary>One change's state: the calendars it loaded and the events it will write.</summary>
    private sealed class Work(NpgsqlConnection connection, NpgsqlTransaction transaction, SlaTicket ticket, DateTime now)
    {
        private readonly Dictionary<Guid, BusinessCalendar?> calendars = [];
        private readonly List<SlaEventRow> events = [];
        public NpgsqlConnection Connection => connection;
        public NpgsqlTransaction Transaction => transaction;
        public SlaTicket Ticket => ticket;
        public DateTime Now => now;

        public void Event(TargetRow row, string kind, long? elapsed = null, long? counted = null, bool? late = null) =>
            events.Add(new SlaEventRow(Guid.CreateVersion7(), ticket.Id, row.Target, kind, now, row.PolicyId, row.Priority,
                ticket.Category, ticket.AssigneeId, row.DueAt, elapsed, counted, late));

        private async Task<BusinessCalendar?> CalendarAsync(Guid? scheduleId, CancellationToken token)
        {
            if (scheduleId is not { } id)
                return null;
            if (!calendars.TryGetValue(id, out var calendar))
            {
                var row = await connection.QuerySingleOrDefaultAsync<ScheduleRow>(new CommandDefinition(
                    SchedulesSql, new { Ids = new[] { id } }, transaction, cancellationToken: token));
                calendars[id] = calendar = row is null ? null : ScheduleDefinition.FromStored(row.TimeZone, row.Intervals, row.Holidays);
            }
            return calendar;
        }

        public async Task<long> CountedMsAsync(TargetRow row, DateTime from, DateTime to, CancellationToken token)
        {
            var calendar = await CalendarAsync(row.ScheduleId, token);
            var span = calendar is null ? Instant(to) - Instant(from) : calendar.Between(Instant(from), Instant(to));
            return Math.Max(0, (long)span.TotalMilliseconds);
        }

        /// <summary>The due time of a running target: its remaining open time from the start of its current stretch.</summary>
        public async Task DueAsync(TargetRow row, CancellationToken token)
        {
            if (row.RunningSince is not { } since)
            {
                row.DueAt = null;
                return;
            }
            var remaining = NodaTime.Duration.FromMilliseconds(Math.Max(0, row.Minutes * 60_000L - row.ConsumedMs));
            var calendar = await CalendarAsync(row.ScheduleId, token);
            var due = calendar is null ? Instant(since) + remaining : calendar.Add(Instant(since), remaining);
            row.DueAt = due?.ToDateTimeUtc();
        }

        public async Task SaveAsync(IEnumerable<TargetRow> rows, CancellationToken token)
        {
            foreach (var row in rows)
                await connection.ExecuteAsync(new CommandDefinition(UpsertTargetSql, row, transaction, cancellationToken: token));
            foreach (var e in events)
                await connection.ExecuteAsync(new CommandDefinition(InsertEventSql, e, transaction, cancellationToken: token));
        }

        private static Instant Instant(DateTime utc) => NodaTime.Instant.FromDateTimeUtc(DateTime.SpecifyKind(utc, DateTimeKind.Utc));
    }
}
