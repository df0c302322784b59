using System.Net;
using System.Text.Json;
using Dapper;

namespace SupportDesk.Tests.Features.Reports;

/// <summary>
/// The reports against a small data set with hand-computed figures. Its rows carry a category of their own and lie in
/// March 2020, so no other test's rows reach these reports.
/// </summary>
public sealed class ReportTests(AppFixture app)
{
    private const string Period = "from=2020-03-01T00:00:00Z&to=2020-03-04T00:00:00Z";

    private static DateTime Utc(int day, int hour, int minute = 0) => new(2020, 3, day, hour, minute, 0, DateTimeKind.Utc);

    /// <summary>Four tickets and their SLA facts; returns the category that isolates them.</summary>
    private async Task<string> SeedAsync()
    {
        var category = $"reports-{Guid.NewGuid():N}";
        var customer = await app.RegisterCustomerAsync();
        await using var db = await app.OpenConnectionAsync();
        async Task<Guid> Ticket(DateTime created, DateTime? resolved, DateTime? closed, string priority = "high")
        {
            var id = Guid.CreateVersion7();
            await db.ExecuteAsync("""
                INSERT INTO tickets (id, title, description, status, priority, category, requester_id, created_by, created_at, resolved_at, closed_at)
                VALUES (@id, 'Report', 'x', @status, @priority, @category, @customer, @customer, @created, @resolved, @closed)
                """, new { id, status = closed is not null ? "closed" : resolved is not null ? "resolved" : "open", priority, category,
                customer = customer.Id, created, resolved, closed });
            return id;
        }
        var t1 = await Ticket(Utc(1, 10), Utc(2, 10), null);
        var t2 = await Ticket(Utc(1, 12), null, null);
        var t3 = await Ticket(Utc(2, 9), null, Utc(3, 9), "urgent");
        var t4 = await Ticket(new DateTime(2020, 2, 28, 15, 0, 0, DateTimeKind.Utc), Utc(1, 8), null);

        async Task Event(Guid ticket, string target, string kind, DateTime at, long? elapsedMin = null, long? countedMin = null, bool? late = null, string priority = "high") =>
            await db.ExecuteAsync("""
                INSERT INTO sla_events (id, ticket_id, target, kind, at, policy_id, priority, category, elapsed_ms, counted_ms, late)
                VALUES (@Id, @ticket, @target, @kind, @at, @policy, @priority, @category, @elapsed, @counted, @late)
                """, new { Id = Guid.CreateVersion7(), ticket, target, kind, at, policy = Guid.Empty, priority, category,
                elapsed = elapsedMin * 60_000, counted = countedMin * 60_000, late });
        await Event(t1, "first_reply", "fulfil", Utc(1, 10, 10), 10, 5, false);
        await Event(t2, "first_reply", "fulfil", Utc(1, 12, 20), 20, 10, false);
        await Event(t4, "first_reply", "fulfil", Utc(1, 7), 30, 15, true);
        await Event(t3, "first_reply", "fulfil", Utc(2, 9, 40), 40, 20, false, "urgent");
        await Event(t2, "first_reply", "breach", Utc(1, 12, 15));
        await Event(t1, "resolution", "fulfil", Utc(2, 10), 60, 60, false);
        await Event(t3, "resolution", "fulfil", Utc(3, 9), 120, 60, false, "urgent");
        await Event(t3, "resolution", "activate", Utc(2, 9)); // not a fulfil: counts nowhere
        await Event(t1, "first_reply", "fulfil", Utc(5, 9), 999, 999, true); // after the period
        return category;
    }

    private static double Number(JsonElement e, string name) => e.GetProperty(name).GetDouble();

    [Fact]
    public async Task Response_times_are_the_median_p90_and_mean_of_the_fulfilled_targets()
    {
        var category = await SeedAsync();
        using var agent = app.ClientFor(await app.CreateUserAsync("agent"));

        var report = await agent.GetOkAsync($"/reports/response-times?{Period}&category={category}");

        var targets = report.GetProperty("targets").EnumerateArray().ToDictionary(t => t.Str("target"));
        var first = targets["first_reply"];
        Assert.Equal(4, first.GetProperty("count").GetInt64());
        // 10, 20, 30, 40 minutes: median 25; p90 interpolates 30 + 0.7 × 10 = 37; mean 25.
        Assert.Equal((25, 37, 25), (Number(first.GetProperty("calendar"), "median_minutes"), Number(first.GetProperty("calendar"), "p90_minutes"), Number(first.GetProperty("calendar"), "mean_minutes")));
        // Counted 5, 10, 15, 20: median 12.5, p90 18.5, mean 12.5.
        Assert.Equal((12.5, 18.5, 12.5), (Number(first.GetProperty("business"), "median_minutes"), Number(first.GetProperty("business"), "p90_minutes"), Number(first.GetProperty("business"), "mean_minutes")));
        var resolution = targets["resolution"];
        Assert.Equal(2, resolution.GetProperty("count").GetInt64());
        Assert.Equal((90, 114, 90), (Number(resolution.GetProperty("calendar"), "median_minutes"), Number(resolution.GetProperty("calendar"), "p90_minutes"), Number(resolution.GetProperty("calendar"), "mean_minutes")));
        Assert.Equal(60, Number(resolution.GetProperty("business"), "p90_minutes"));

        var urgent = await agent.GetOkAsync($"/reports/response-times?{Period}&category={category}&priority=urgent");
        var urgentFirst = urgent.GetProperty("targets").EnumerateArray().First(t => t.Str("target") == "first_reply");
        Assert.Equal(1, urgentFirst.GetProperty("count").GetInt64());
        Assert.Equal(40, Number(urgentFirst.GetProperty("calendar"), "median_minutes"));
    }

    [Fact]
    public async Task Compliance_is_the_share_of_targets_met_on_time()
    {
        var category = await SeedAsync();
        using var admin = app.ClientFor(await app.CreateUserAsync("admin"));

        var report = await admin.GetOkAsync($"/reports/sla-compliance?{Period}&category={category}");

        var targets = report.GetProperty("targets").EnumerateArray().ToDictionary(t => t.Str("target"));
        var first = targets["first_reply"];
        Assert.Equal((4, 3, 1, 1, 75.0), (first.GetProperty("fulfilled").GetInt64(), first.GetProperty("met").GetInt64(),
            first.GetProperty("late").GetInt64(), first.GetProperty("breaches").GetInt64(), Number(first, "compliance_percent")));
        Assert.Equal(100.0, Number(targets["resolution"], "compliance_percent"));
        Assert.Equal(JsonValueKind.Null, targets["next_reply"].GetProperty("compliance_percent").ValueKind);

        var csv = await admin.GetAsync($"/reports/sla-compliance?{Period}&category={category}&format=csv");
        Assert.Equal("text/csv", csv.Content.Headers.ContentType?.MediaType);
        var lines = (await csv.Content.ReadAsStringAsync()).Split("\r\n", StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(["target,fulfilled,met,late,breaches,compliance_percent", "first_reply,4,3,1,1,75", "next_reply,0,0,0,0,", "resolution,2,2,0,0,100"], lines);
    }

    [Fact]
    public async Task Volume_counts_created_solved_and_backlog_per_day()
    {
        var category = await SeedAsync();
        using var agent = app.ClientFor(await app.CreateUserAsync("agent"));

        var report = await agent.GetOkAsync($"/reports/volume?{Period}&category={category}");

        // Before March 1st: one ticket open (T4). Day 1: +2 created, T4 solved → 2. Day 2: +T3, T1 solved → 2. Day 3: T3 closed → 1.
        var days = report.GetProperty("days").EnumerateArray()
            .Select(d => (d.Str("day"), d.GetProperty("created").GetInt64(), d.GetProperty("solved").GetInt64(), d.GetProperty("backlog").GetInt64())).ToList();
        Assert.Equal([("2020-03-01", 2L, 1L, 2L), ("2020-03-02", 1L, 1L, 2L), ("2020-03-03", 0L, 1L, 1L)], days);

        // A window near now counts the backlog back from the open tickets: T2 is the one still open.
        var from = DateTime.UtcNow.AddDays(-1).ToString("yyyy-MM-ddTHH:mm:ssZ");
        var recent = await agent.GetOkAsync($"/reports/volume?from={from}&category={category}");
        Assert.All(recent.GetProperty("days").EnumerateArray(), d => Assert.Equal(1, d.GetProperty("backlog").GetInt64()));

        var csv = await (await agent.GetAsync($"/reports/volume?{Period}&category={category}&format=csv")).Content.ReadAsStringAsync();
        Assert.StartsWith("day,created,solved,backlog\r\n2020-03-01,2,1,2\r\n", csv);
    }

    [Fact]
    public async Task Reports_are_for_staff_and_refuse_a_bad_period()
    {
        using var customer = app.ClientFor(await app.RegisterCustomerAsync());
        using var agent = app.ClientFor(await app.CreateUserAsync("agent"));

        Assert.Equal(HttpStatusCode.Forbidden, (await customer.GetAsync("/reports/volume")).StatusCode);
        await (await agent.GetAsync("/reports/volume?from=2020-03-04T00:00:00Z&to=2020-03-01T00:00:00Z")).AssertProblemAsync(HttpStatusCode.BadRequest, "to");
        await (await agent.GetAsync("/reports/sla-compliance?from=2020-01-01T00:00:00Z&to=2021-06-01T00:00:00Z")).AssertProblemAsync(HttpStatusCode.BadRequest, "to");
        await (await agent.GetAsync("/reports/response-times?priority=critical")).AssertProblemAsync(HttpStatusCode.BadRequest, "priority");
    }
}
