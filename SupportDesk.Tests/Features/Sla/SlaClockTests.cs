using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Dapper;
using NodaTime;
using SupportDesk.Infrastructure.Sla;

namespace SupportDesk.Tests.Features.Sla;

/// <summary>The clock through the ticket routes: due times, pauses, fulfilment, restarts and re-evaluation.</summary>
public sealed class SlaClockTests(AppFixture app)
{
    private sealed record TargetRow(string Target, int Minutes, DateTime StartedAt, DateTime? RunningSince, long ConsumedMs,
        DateTime? DueAt, DateTime? FulfilledAt, Guid? ScheduleId);

    private async Task<Dictionary<string, TargetRow>> TargetsAsync(Guid ticketId)
    {
        await using var db = await app.OpenConnectionAsync();
        return (await db.QueryAsync<TargetRow>(
            "SELECT target, minutes, started_at, running_since, consumed_ms, due_at, fulfilled_at, schedule_id FROM ticket_sla_targets WHERE ticket_id = @ticketId",
            new { ticketId })).ToDictionary(r => r.Target);
    }

    private async Task<List<string>> EventsAsync(Guid ticketId)
    {
        await using var db = await app.OpenConnectionAsync();
        return (await db.QueryAsync<string>("SELECT target || ':' || kind FROM sla_events WHERE ticket_id = @ticketId ORDER BY at, id",
            new { ticketId })).ToList();
    }

    private static object TicketWith(string tag, string priority = "urgent") =>
        new { title = $"SLA {Guid.NewGuid():N}", description = "Clock test", priority, tags = new[] { tag } };

    private static DateTime? Due(JsonElement ticket, string field) =>
        ticket.GetProperty("sla").GetProperty(field) is { ValueKind: JsonValueKind.String } v ? v.GetDateTime().ToUniversalTime() : null;

    private async Task<(HttpClient Admin, HttpClient Agent, HttpClient Customer, string Tag)> SetUpAsync(object[] targets, Guid? scheduleId = null)
    {
        var admin = app.ClientFor(await app.CreateUserAsync("admin"));
        var agent = app.ClientFor(await app.CreateUserAsync("agent"));
        var customer = app.ClientFor(await app.RegisterCustomerAsync());
        var tag = SlaPolicyTestData.UniqueTag();
        await admin.CreatePolicyAsync(SlaPolicyTestData.ForTag(tag, targets, scheduleId));
        return (admin, agent, customer, tag);
    }

    [Fact]
    public async Task A_new_ticket_gets_the_matching_policys_due_times()
    {
        var (admin, _, customer, tag) = await SetUpAsync([SlaPolicyTestData.Targets("urgent", firstReply: 60, nextReply: 30, resolution: 480)]);
        var policyId = (await admin.GetOkAsync("/sla-policies")).EnumerateArray()
            .First(p => p.GetProperty("conditions").GetProperty("tags")[0].GetString() == tag).Id();

        var ticket = await customer.CreateTicketAsync(TicketWith(tag));

        var sla = ticket.GetProperty("sla");
        Assert.Equal(policyId, sla.GetProperty("policy_id").GetGuid());
        Assert.False(sla.GetProperty("paused").GetBoolean());
        Assert.Equal(0, sla.GetProperty("breached").GetArrayLength());
        var rows = await TargetsAsync(ticket.Id());
        Assert.Equal(["first_reply", "resolution"], rows.Keys.Order());
        Assert.Equal(rows["first_reply"].StartedAt.AddMinutes(60), Due(ticket, "first_reply_due_at"));
        Assert.Equal(rows["resolution"].StartedAt.AddMinutes(480), Due(ticket, "resolution_due_at"));
        Assert.Null(Due(ticket, "next_reply_due_at")); // waits for a customer message after the first reply
        Assert.Equal(ticket.GetRawText(), (await customer.GetTicketAsync(ticket.Id())).GetRawText());
        Assert.Equal(["first_reply:activate", "resolution:activate"], (await EventsAsync(ticket.Id())).Order());
    }

    [Fact]
    public async Task A_ticket_no_policy_matches_has_no_sla()
    {
        using var customer = app.ClientFor(await app.RegisterCustomerAsync());

        var ticket = await customer.CreateTicketAsync(TicketWith(SlaPolicyTestData.UniqueTag()));

        Assert.Equal(JsonValueKind.Null, ticket.GetProperty("sla").ValueKind);
        Assert.Empty(await TargetsAsync(ticket.Id()));
    }

    [Fact]
    public async Task Business_hours_targets_are_due_in_the_schedules_open_time()
    {
        using var admin = app.ClientFor(await app.CreateUserAsync("admin"));
        var schedule = await admin.CreateScheduleAsync();
        var (_, _, customer, tag) = await SetUpAsync([SlaPolicyTestData.Targets("urgent", firstReply: 120, businessHours: true)], schedule.Id());

        var ticket = await customer.CreateTicketAsync(TicketWith(tag));

        var row = (await TargetsAsync(ticket.Id()))["first_reply"];
        Assert.Equal(schedule.Id(), row.ScheduleId);
        var berlin = DateTimeZoneProviders.Tzdb["Europe/Berlin"];
        var calendar = new BusinessCalendar(berlin, new[] { IsoDayOfWeek.Monday, IsoDayOfWeek.Tuesday, IsoDayOfWeek.Wednesday, IsoDayOfWeek.Thursday, IsoDayOfWeek.Friday }
            .Select(d => new OpenInterval(d, 9 * 60, 17 * 60)), []);
        var expected = calendar.Add(Instant.FromDateTimeUtc(DateTime.SpecifyKind(row.StartedAt, DateTimeKind.Utc)), Duration.FromMinutes(120))!.Value;
        Assert.Equal(expected.ToDateTimeUtc(), Due(ticket, "first_reply_due_at"));
        var local = expected.InZone(berlin);
        Assert.InRange(local.TimeOfDay, new LocalTime(9, 0), new LocalTime(17, 0));
        Assert.NotEqual(IsoDayOfWeek.Saturday, local.DayOfWeek);
        Assert.NotEqual(IsoDayOfWeek.Sunday, local.DayOfWeek);
    }

    [Fact]
    public async Task A_private_note_does_not_fulfil_the_first_reply_but_a_public_reply_does()
    {
        var (_, agent, customer, tag) = await SetUpAsync([SlaPolicyTestData.Targets("urgent", firstReply: 60, resolution: 480)]);
        var ticket = await customer.CreateTicketAsync(TicketWith(tag));

        await agent.AddCommentAsync(ticket.Id(), "Internal: looking into it", "private");
        var afterNote = await agent.GetTicketAsync(ticket.Id());
        Assert.Equal(Due(ticket, "first_reply_due_at"), Due(afterNote, "first_reply_due_at"));
        Assert.Null((await TargetsAsync(ticket.Id()))["first_reply"].FulfilledAt);

        await agent.AddCommentAsync(ticket.Id(), "We are on it");
        var afterReply = await agent.GetTicketAsync(ticket.Id());
        Assert.Null(Due(afterReply, "first_reply_due_at"));
        Assert.NotNull(Due(afterReply, "resolution_due_at"));
        var row = (await TargetsAsync(ticket.Id()))["first_reply"];
        Assert.NotNull(row.FulfilledAt);
        await using var db = await app.OpenConnectionAsync();
        var fulfil = await db.QuerySingleAsync<(long Elapsed, long Counted, bool Late)>(
            "SELECT elapsed_ms, counted_ms, late FROM sla_events WHERE ticket_id = @id AND target = 'first_reply' AND kind = 'fulfil'", new { id = ticket.Id() });
        Assert.Equal(fulfil.Elapsed, fulfil.Counted);
        Assert.Equal((long)(row.FulfilledAt!.Value - row.StartedAt).TotalMilliseconds, fulfil.Elapsed);
        Assert.False(fulfil.Late);
    }

    [Fact]
    public async Task Pending_pauses_every_target_and_leaving_it_resumes_with_the_time_left()
    {
        var (_, agent, customer, tag) = await SetUpAsync([SlaPolicyTestData.Targets("urgent", firstReply: 60, resolution: 480)]);
        var ticket = await customer.CreateTicketAsync(TicketWith(tag));
        var dueBefore = Due(ticket, "resolution_due_at")!.Value;

        var paused = await (await agent.PatchJsonAsync($"/tickets/{ticket.Id()}", new { status = "pending" })).JsonAsync();
        Assert.True(paused.GetProperty("sla").GetProperty("paused").GetBoolean());
        Assert.Null(Due(paused, "resolution_due_at"));
        Assert.Null(Due(paused, "first_reply_due_at"));
        var whilePaused = await TargetsAsync(ticket.Id());
        Assert.All(whilePaused.Values, r => Assert.Null(r.RunningSince));

        var resumed = await (await agent.PatchJsonAsync($"/tickets/{ticket.Id()}", new { status = "open" })).JsonAsync();
        Assert.False(resumed.GetProperty("sla").GetProperty("paused").GetBoolean());
        var rows = await TargetsAsync(ticket.Id());
        var resolution = rows["resolution"];
        // Due = resumed + (480 min − time counted before the pause): the pause itself is not counted.
        Assert.Equal(resolution.RunningSince!.Value.AddMilliseconds(480 * 60_000 - resolution.ConsumedMs), Due(resumed, "resolution_due_at"));
        Assert.True(Due(resumed, "resolution_due_at") > dueBefore);
        await using var db = await app.OpenConnectionAsync();
        var (pausedAt, resumedAt) = await db.QuerySingleAsync<(DateTime, DateTime)>("""
            SELECT max(at) FILTER (WHERE kind = 'pause'), max(at) FILTER (WHERE kind = 'resume')
            FROM sla_events WHERE ticket_id = @id AND target = 'resolution'
            """, new { id = ticket.Id() });
        Assert.Equal(dueBefore + (resumedAt - pausedAt), Due(resumed, "resolution_due_at"));
    }

    [Fact]
    public async Task Resolution_stops_at_resolved_and_restarts_on_reopen()
    {
        var (_, agent, customer, tag) = await SetUpAsync([SlaPolicyTestData.Targets("urgent", resolution: 480)]);
        var ticket = await customer.CreateTicketAsync(TicketWith(tag));

        var resolved = await (await agent.PatchJsonAsync($"/tickets/{ticket.Id()}", new { status = "resolved" })).JsonAsync();
        Assert.Null(Due(resolved, "resolution_due_at"));
        Assert.NotNull((await TargetsAsync(ticket.Id()))["resolution"].FulfilledAt);

        var reopened = await (await customer.PatchJsonAsync($"/tickets/{ticket.Id()}", new { status = "open" })).JsonAsync();
        var row = (await TargetsAsync(ticket.Id()))["resolution"];
        Assert.Null(row.FulfilledAt);
        Assert.Equal(0, row.ConsumedMs);
        Assert.Equal(row.StartedAt.AddMinutes(480), Due(reopened, "resolution_due_at"));
        Assert.Equal(["resolution:activate", "resolution:fulfil", "resolution:activate"], await EventsAsync(ticket.Id()));
    }

    [Fact]
    public async Task A_customer_message_after_the_first_reply_starts_next_reply_and_the_next_staff_reply_fulfils_it()
    {
        var (_, agent, customer, tag) = await SetUpAsync([SlaPolicyTestData.Targets("urgent", firstReply: 60, nextReply: 30)]);
        var ticket = await customer.CreateTicketAsync(TicketWith(tag));
        await customer.AddCommentAsync(ticket.Id(), "Any news?"); // before the first reply: first_reply still covers it
        Assert.False((await TargetsAsync(ticket.Id())).ContainsKey("next_reply"));

        await agent.AddCommentAsync(ticket.Id(), "Looking");
        await customer.AddCommentAsync(ticket.Id(), "It is still broken");
        var waiting = await agent.GetTicketAsync(ticket.Id());
        var next = (await TargetsAsync(ticket.Id()))["next_reply"];
        Assert.Equal(next.StartedAt.AddMinutes(30), Due(waiting, "next_reply_due_at"));

        await customer.AddCommentAsync(ticket.Id(), "Hello?"); // the clock runs from the oldest unanswered message
        Assert.Equal(next.StartedAt, (await TargetsAsync(ticket.Id()))["next_reply"].StartedAt);

        await agent.AddCommentAsync(ticket.Id(), "Fixed now");
        Assert.Null(Due(await agent.GetTicketAsync(ticket.Id()), "next_reply_due_at"));
        Assert.NotNull((await TargetsAsync(ticket.Id()))["next_reply"].FulfilledAt);
    }

    [Fact]
    public async Task Changing_the_priority_re_evaluates_the_policy_and_records_it_for_staff()
    {
        var (_, agent, customer, tag) = await SetUpAsync([
            SlaPolicyTestData.Targets("urgent", firstReply: 60, resolution: 480),
            SlaPolicyTestData.Targets("low", firstReply: 600),
        ]);
        var ticket = await customer.CreateTicketAsync(TicketWith(tag));
        var started = (await TargetsAsync(ticket.Id()))["first_reply"].StartedAt;

        var lowered = await (await agent.PatchJsonAsync($"/tickets/{ticket.Id()}", new { priority = "low" })).JsonAsync();

        // Same start, new length; the policy has no resolution target for low, so that one is cancelled.
        var rows = await TargetsAsync(ticket.Id());
        Assert.Equal(600, rows["first_reply"].Minutes);
        Assert.False(rows.ContainsKey("resolution"));
        Assert.Null(Due(lowered, "resolution_due_at"));
        var due = Due(lowered, "first_reply_due_at")!.Value;
        Assert.Equal(rows["first_reply"].RunningSince!.Value.AddMilliseconds(600 * 60_000 - rows["first_reply"].ConsumedMs), due);
        Assert.Equal(started.AddMinutes(600), due); // calendar time: what was counted stays counted

        await using var db = await app.OpenConnectionAsync();
        var history = await db.QuerySingleAsync<(string Field, bool IsPrivate)>(
            "SELECT field, is_private FROM ticket_history WHERE ticket_id = @id AND field = 'sla_policy'", new { id = ticket.Id() });
        Assert.True(history.IsPrivate);
        var customerHistory = await customer.GetOkAsync($"/tickets/{ticket.Id()}/history");
        Assert.DoesNotContain("sla_policy", customerHistory.GetRawText());

        // Tags that no policy matches: the clock stops and the ticket shows no SLA.
        var untagged = await (await agent.PatchJsonAsync($"/tickets/{ticket.Id()}", new { tags = new[] { "other" } })).JsonAsync();
        Assert.Equal(JsonValueKind.Null, untagged.GetProperty("sla").ValueKind);
        Assert.Empty(await TargetsAsync(ticket.Id()));
    }

    [Fact]
    public async Task The_queue_lists_the_nearest_due_first_and_filters_on_due_time_and_breaches()
    {
        var (_, agent, customer, tag) = await SetUpAsync([
            SlaPolicyTestData.Targets("urgent", firstReply: 30),
            SlaPolicyTestData.Targets("high", firstReply: 120),
            SlaPolicyTestData.Targets("low", firstReply: 600),
        ]);
        var low = await customer.CreateTicketAsync(TicketWith(tag, "low"));
        var urgent = await customer.CreateTicketAsync(TicketWith(tag, "urgent"));
        var high = await customer.CreateTicketAsync(TicketWith(tag, "high"));
        var none = await customer.CreateTicketAsync(new { title = "No SLA", description = "x", tags = new[] { tag + "-none" } });

        var queue = await agent.GetOkAsync($"/tickets?tag={tag}&sort=sla_due_at");
        Assert.Equal([urgent.Id(), high.Id(), low.Id()], queue.Ids());

        var soon = Due(high, "first_reply_due_at")!.Value.AddSeconds(1).ToString("O");
        var dueSoon = await agent.GetOkAsync($"/tickets?tag={tag}&sla_due_before={Uri.EscapeDataString(soon)}&sort=sla_due_at");
        Assert.Equal([urgent.Id(), high.Id()], dueSoon.Ids());

        // A breach (stamped as the job does) shows on the ticket and in the filter.
        await using (var db = await app.OpenConnectionAsync())
            await db.ExecuteAsync("""
                UPDATE ticket_sla_targets SET breached_at = now() WHERE ticket_id = @id;
                UPDATE tickets SET sla_breached = true WHERE id = @id;
                """, new { id = low.Id() });
        var breached = await agent.GetOkAsync($"/tickets?tag={tag}&sla_breached=true");
        Assert.Equal([low.Id()], breached.Ids());
        Assert.Equal(["first_reply"], (await agent.GetTicketAsync(low.Id())).GetProperty("sla").GetProperty("breached").EnumerateArray().Select(b => b.GetString()));
        var notBreached = await agent.GetOkAsync($"/tickets?tag={tag}&sla_breached=false&sort=sla_due_at&order=desc");
        Assert.Equal([high.Id(), urgent.Id()], notBreached.Ids());
        Assert.DoesNotContain(none.Id(), queue.Ids());
    }
}
