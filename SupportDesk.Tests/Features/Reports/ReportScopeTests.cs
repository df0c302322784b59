using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Dapper;

namespace SupportDesk.Tests.Features.Reports;

/// <summary>
/// The group and organization filters, and an agent restricted to their groups, on one small data set with
/// hand-computed figures: the restricted agent and an unrestricted one ask the same reports of the same rows. The rows
/// carry a category of their own and lie in March 2020, so no other test's rows reach these reports.
/// </summary>
public sealed class ReportScopeTests(AppFixture app)
{
    private const string Period = "from=2020-03-01T00:00:00Z&to=2020-03-04T00:00:00Z";

    private static DateTime Utc(int day, int hour, int minute = 0) => new(2020, 3, day, hour, minute, 0, DateTimeKind.Utc);

    /// <summary>
    /// T1: the restricted agent's group G, requester in organization O, resolved on day 2.
    /// T2: group H, requester in no organization, still open.
    /// T3: no group, requester in O, assigned to the restricted agent, closed on day 3.
    /// T4: group H, requester in O, opened on February 28th, resolved on day 1.
    /// The restricted agent sees T1 and T3; group H is T2 and T4; organization O is T1, T3 and T4.
    /// </summary>
    private sealed record Desk(string Query, HttpClient Unrestricted, HttpClient Restricted, Guid GroupH, Guid OrganizationO) : IDisposable
    {
        public void Dispose()
        {
            Unrestricted.Dispose();
            Restricted.Dispose();
        }
    }

    private async Task<Desk> SeedAsync()
    {
        var category = $"scope-{Guid.NewGuid():N}";
        using var admin = app.ClientFor(await app.CreateUserAsync("admin"));
        var restricted = await app.CreateUserAsync("agent");
        (await admin.PatchAsJsonAsync($"/users/{restricted.Id}", new { restricted_to_groups = true })).EnsureSuccessStatusCode();
        var groupG = await admin.CreateGroupAsync(restricted);
        var groupH = await admin.CreateGroupAsync();
        var organization = (await admin.CreateOrganizationAsync()).Id();
        var inOrganization = await app.RegisterCustomerAsync();
        await admin.AddMemberAsync(organization, inOrganization.Id);
        var alone = await app.RegisterCustomerAsync();

        await using var db = await app.OpenConnectionAsync();
        async Task<Guid> Ticket(DateTime created, DateTime? resolved, DateTime? closed, Guid? group, TestUser requester, Guid? assignee = null)
        {
            var id = Guid.CreateVersion7();
            await db.ExecuteAsync("""
                INSERT INTO tickets (id, title, description, status, priority, category, requester_id, assignee_id, group_id, created_by, created_at, resolved_at, closed_at)
                VALUES (@id, 'Report', 'x', @status, 'high', @category, @requester, @assignee, @group, @requester, @created, @resolved, @closed)
                """, new { id, status = closed is not null ? "closed" : resolved is not null ? "resolved" : "open", category,
                requester = requester.Id, assignee, group, created, resolved, closed });
            return id;
        }
        var t1 = await Ticket(Utc(1, 10), Utc(2, 10), null, groupG, inOrganization);
        var t2 = await Ticket(Utc(1, 12), null, null, groupH, alone);
        var t3 = await Ticket(Utc(2, 9), null, Utc(3, 9), null, inOrganization, restricted.Id);
        var t4 = await Ticket(new DateTime(2020, 2, 28, 15, 0, 0, DateTimeKind.Utc), Utc(1, 8), null, groupH, inOrganization);

        async Task Event(Guid ticket, string target, string kind, DateTime at, long? elapsedMin = null, long? countedMin = null, bool? late = null) =>
            await db.ExecuteAsync("""
                INSERT INTO sla_events (id, ticket_id, target, kind, at, policy_id, priority, category, elapsed_ms, counted_ms, late)
                VALUES (@Id, @ticket, @target, @kind, @at, @policy, 'high', @category, @elapsed, @counted, @late)
                """, new { Id = Guid.CreateVersion7(), ticket, target, kind, at, policy = Guid.Empty, category,
                elapsed = elapsedMin * 60_000, counted = countedMin * 60_000, late });
        await Event(t1, "first_reply", "fulfil", Utc(1, 10, 10), 10, 5, false);
        await Event(t2, "first_reply", "fulfil", Utc(1, 12, 20), 20, 10, false);
        await Event(t2, "first_reply", "breach", Utc(1, 12, 15));
        await Event(t4, "first_reply", "fulfil", Utc(1, 7), 30, 15, true);
        await Event(t3, "first_reply", "fulfil", Utc(2, 10), 60, 30, false);
        await Event(t4, "resolution", "fulfil", Utc(1, 8), 1020, 600, true);
        await Event(t1, "resolution", "fulfil", Utc(2, 10), 60, 60, false);
        await Event(t3, "resolution", "fulfil", Utc(3, 9), 120, 60, false);

        return new Desk($"{Period}&category={category}", app.ClientFor(await app.CreateUserAsync("agent")), app.ClientFor(restricted), groupH, organization);
    }

    private static Dictionary<string, JsonElement> Targets(JsonElement report) =>
        report.GetProperty("targets").EnumerateArray().ToDictionary(t => t.Str("target"));

    private static (long, double, double, double) FirstReply(JsonElement report)
    {
        var first = Targets(report)["first_reply"];
        var calendar = first.GetProperty("calendar");
        return (first.GetProperty("count").GetInt64(), calendar.GetProperty("median_minutes").GetDouble(),
            calendar.GetProperty("p90_minutes").GetDouble(), calendar.GetProperty("mean_minutes").GetDouble());
    }

    private static List<(long Fulfilled, long Met, long Late, long Breaches, double? Percent)> Compliance(JsonElement report) =>
        new[] { "first_reply", "resolution" }.Select(t => Targets(report)[t]).Select(t => (t.GetProperty("fulfilled").GetInt64(), t.GetProperty("met").GetInt64(),
            t.GetProperty("late").GetInt64(), t.GetProperty("breaches").GetInt64(),
            t.GetProperty("compliance_percent").ValueKind == JsonValueKind.Null ? (double?)null : t.GetProperty("compliance_percent").GetDouble())).ToList();

    private static List<(string, long, long, long)> Days(JsonElement report) =>
        report.GetProperty("days").EnumerateArray()
            .Select(d => (d.Str("day"), d.GetProperty("created").GetInt64(), d.GetProperty("solved").GetInt64(), d.GetProperty("backlog").GetInt64())).ToList();

    [Fact]
    public async Task A_restricted_agent_gets_reports_over_the_tickets_they_may_see_only()
    {
        using var d = await SeedAsync();

        // Everyone's first replies: 10, 20, 30, 60 → median 25, p90 30 + 0.7 × 30 = 51, mean 30.
        Assert.Equal((4L, 25.0, 51.0, 30.0), FirstReply(await d.Unrestricted.GetOkAsync($"/reports/response-times?{d.Query}")));
        // T1 and T3 only: 10, 60 → median 35, p90 10 + 0.9 × 50 = 55, mean 35.
        Assert.Equal((2L, 35.0, 55.0, 35.0), FirstReply(await d.Restricted.GetOkAsync($"/reports/response-times?{d.Query}")));

        // First reply: 4 fulfilled, T4 late, T2's breach; resolution: T4 late of 3. The restricted agent: T1 and T3, all on time.
        Assert.Equal([(4, 3, 1, 1, 75.0), (3, 2, 1, 0, 66.67)], Compliance(await d.Unrestricted.GetOkAsync($"/reports/sla-compliance?{d.Query}")));
        Assert.Equal([(2, 2, 0, 0, 100.0), (2, 2, 0, 0, 100.0)], Compliance(await d.Restricted.GetOkAsync($"/reports/sla-compliance?{d.Query}")));

        // Everyone: T4 open before March 1st; day 1 +T1 +T2 −T4 → 2; day 2 +T3 −T1 → 2; day 3 −T3 → 1.
        Assert.Equal([("2020-03-01", 2L, 1L, 2L), ("2020-03-02", 1L, 1L, 2L), ("2020-03-03", 0L, 1L, 1L)],
            Days(await d.Unrestricted.GetOkAsync($"/reports/volume?{d.Query}")));
        // Restricted: nothing before; day 1 +T1 → 1; day 2 +T3 −T1 → 1; day 3 −T3 → 0.
        Assert.Equal([("2020-03-01", 1L, 0L, 1L), ("2020-03-02", 1L, 1L, 1L), ("2020-03-03", 0L, 1L, 0L)],
            Days(await d.Restricted.GetOkAsync($"/reports/volume?{d.Query}")));

        // A filter on a group they are not in does not widen what they see: nothing of T2 and T4.
        Assert.Equal([(0, 0, 0, 0, null), (0, 0, 0, 0, null)],
            Compliance(await d.Restricted.GetOkAsync($"/reports/sla-compliance?{d.Query}&group_id={d.GroupH}")));
        Assert.All(Days(await d.Restricted.GetOkAsync($"/reports/volume?{d.Query}&group_id={d.GroupH}")), day => Assert.Equal(0, day.Item4 + day.Item2 + day.Item3));

        // The CSV exports are the same figures.
        var volume = await (await d.Restricted.GetAsync($"/reports/volume?{d.Query}&format=csv")).Content.ReadAsStringAsync();
        Assert.Equal("day,created,solved,backlog\r\n2020-03-01,1,0,1\r\n2020-03-02,1,1,1\r\n2020-03-03,0,1,0\r\n", volume);
        var compliance = await (await d.Restricted.GetAsync($"/reports/sla-compliance?{d.Query}&format=csv")).Content.ReadAsStringAsync();
        Assert.Equal("target,fulfilled,met,late,breaches,compliance_percent\r\nfirst_reply,2,2,0,0,100\r\nnext_reply,0,0,0,0,\r\nresolution,2,2,0,0,100\r\n", compliance);
        var times = await (await d.Restricted.GetAsync($"/reports/response-times?{d.Query}&format=csv")).Content.ReadAsStringAsync();
        Assert.StartsWith("target,count,calendar_median_minutes,calendar_p90_minutes,calendar_mean_minutes,business_median_minutes,business_p90_minutes,business_mean_minutes\r\nfirst_reply,2,35,55,35,", times);
    }

    [Fact]
    public async Task Reports_filter_by_group_and_by_the_requesters_organization()
    {
        using var d = await SeedAsync();

        // Group H is T2 and T4: first replies 20 (with T2's breach) and 30 (late); T4's late resolution.
        var group = $"{d.Query}&group_id={d.GroupH}";
        Assert.Equal((2L, 25.0, 29.0, 25.0), FirstReply(await d.Unrestricted.GetOkAsync($"/reports/response-times?{group}")));
        Assert.Equal([(2, 1, 1, 1, 50.0), (1, 0, 1, 0, 0.0)], Compliance(await d.Unrestricted.GetOkAsync($"/reports/sla-compliance?{group}")));
        // T4 open before; day 1 +T2 −T4 → 1; then nothing changes.
        Assert.Equal([("2020-03-01", 1L, 1L, 1L), ("2020-03-02", 0L, 0L, 1L), ("2020-03-03", 0L, 0L, 1L)],
            Days(await d.Unrestricted.GetOkAsync($"/reports/volume?{group}")));
        var csv = await (await d.Unrestricted.GetAsync($"/reports/sla-compliance?{group}&format=csv")).Content.ReadAsStringAsync();
        Assert.Equal("target,fulfilled,met,late,breaches,compliance_percent\r\nfirst_reply,2,1,1,1,50\r\nnext_reply,0,0,0,0,\r\nresolution,1,0,1,0,0\r\n", csv);

        // Organization O is T1, T3 and T4: first replies 10, 30, 60 → median 30, p90 30 + 0.8 × 30 = 54, mean 33.33.
        var organization = $"{d.Query}&organization_id={d.OrganizationO}";
        var (count, median, p90, mean) = FirstReply(await d.Unrestricted.GetOkAsync($"/reports/response-times?{organization}"));
        Assert.Equal((3L, 30.0, 54.0, 33.33), (count, median, p90, Math.Round(mean, 2)));
        Assert.Equal([(3, 2, 1, 0, 66.67), (3, 2, 1, 0, 66.67)], Compliance(await d.Unrestricted.GetOkAsync($"/reports/sla-compliance?{organization}")));
        // T4 open before; day 1 +T1 −T4 → 1; day 2 +T3 −T1 → 1; day 3 −T3 → 0.
        Assert.Equal([("2020-03-01", 1L, 1L, 1L), ("2020-03-02", 1L, 1L, 1L), ("2020-03-03", 0L, 1L, 0L)],
            Days(await d.Unrestricted.GetOkAsync($"/reports/volume?{organization}")));
        var volume = await (await d.Unrestricted.GetAsync($"/reports/volume?{organization}&format=csv")).Content.ReadAsStringAsync();
        Assert.Equal("day,created,solved,backlog\r\n2020-03-01,1,1,1\r\n2020-03-02,1,1,1\r\n2020-03-03,0,1,0\r\n", volume);

        // Both: T4 alone.
        Assert.Equal([(1, 0, 1, 0, 0.0), (1, 0, 1, 0, 0.0)],
            Compliance(await d.Unrestricted.GetOkAsync($"/reports/sla-compliance?{organization}&group_id={d.GroupH}")));
    }

    [Fact]
    public async Task The_volume_follows_a_ticket_resolved_and_reopened_over_the_routes()
    {
        using var admin = app.ClientFor(await app.CreateUserAsync("admin"));
        var customer = await app.RegisterCustomerAsync();
        var category = $"reopen-{Guid.NewGuid():N}";
        var id = (await admin.CreateTicketAsync(new { title = "Reopen", description = "x", category, requester_id = customer.Id })).Id();
        var query = $"/reports/volume?from={DateTime.UtcNow.AddHours(-1):yyyy-MM-ddTHH:mm:ssZ}&to={DateTime.UtcNow.AddHours(1):yyyy-MM-ddTHH:mm:ssZ}&category={category}";
        async Task<(long Solved, long Backlog, DateTime? SolvedAt)> StateAsync()
        {
            var days = (await admin.GetOkAsync(query)).GetProperty("days").EnumerateArray().ToList();
            await using var db = await app.OpenConnectionAsync();
            return (days.Sum(d => d.GetProperty("solved").GetInt64()), days[^1].GetProperty("backlog").GetInt64(),
                await db.ExecuteScalarAsync<DateTime?>("SELECT solved_at FROM tickets WHERE id = @id", new { id }));
        }

        (await admin.PatchJsonAsync($"/tickets/{id}", new { status = "resolved" })).EnsureSuccessStatusCode();
        var resolved = await StateAsync();
        Assert.Equal((1L, 0L, true), (resolved.Solved, resolved.Backlog, resolved.SolvedAt is not null));

        (await admin.PatchJsonAsync($"/tickets/{id}", new { status = "open" })).EnsureSuccessStatusCode();
        Assert.Equal((0L, 1L, (DateTime?)null), await StateAsync());

        (await admin.PatchJsonAsync($"/tickets/{id}", new { status = "closed" })).EnsureSuccessStatusCode();
        var closed = await StateAsync();
        Assert.Equal((1L, 0L, true), (closed.Solved, closed.Backlog, closed.SolvedAt is not null));
    }

    [Theory]
    [InlineData("/reports/volume", "group_id", "not-a-group")]
    [InlineData("/reports/sla-compliance", "organization_id", "00000000-0000-0000-0000-000000000000")]
    [InlineData("/reports/response-times", "assignee_id", "42")]
    [InlineData("/reports/volume", "organization_id", "x")]
    public async Task A_bad_id_is_a_problem_naming_the_field(string route, string field, string value)
    {
        using var agent = app.ClientFor(await app.CreateUserAsync("agent"));

        await (await agent.GetAsync($"{route}?{field}={value}")).AssertProblemAsync(HttpStatusCode.BadRequest, field);
        await (await agent.GetAsync($"{route}?{field}={value}&format=csv")).AssertProblemAsync(HttpStatusCode.BadRequest, field);
    }
}
