using System.Net;
using System.Net.Http.Json;
using Dapper;

namespace SupportDesk.Tests.Features.Sla;

public sealed class ScheduleTests(AppFixture app)
{
    [Fact]
    public async Task An_admin_creates_reads_replaces_and_deletes_a_schedule()
    {
        using var admin = app.ClientFor(await app.CreateUserAsync("admin"));
        var name = $"Berlin office {Guid.NewGuid():N}";

        var response = await admin.PostAsJsonAsync("/schedules", new
        {
            name,
            time_zone = "Europe/Berlin",
            intervals = new object[]
            {
                new { day = "tuesday", start = "13:00", end = "17:00" },
                new { day = "monday", start = "09:00", end = "17:00" },
                new { day = "tuesday", start = "09:00", end = "12:00" },
                new { day = "friday", start = "22:00", end = "24:00" },
                new { day = "saturday", start = "00:00", end = "06:00" },
            },
            holidays = new object[] { new { from = "2026-12-24", to = "2026-12-26", name = "Christmas" }, new { from = "2026-01-01" } },
        });

        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        var created = await response.JsonAsync();
        var id = created.Id();
        Assert.Equal($"/schedules/{id}", response.Headers.Location?.OriginalString);
        Assert.Equal(name, created.Str("name"));
        Assert.Equal("Europe/Berlin", created.Str("time_zone"));
        // Stored sorted by day and time; holidays by date, a single date with no "to".
        Assert.Equal(["monday 09:00-17:00", "tuesday 09:00-12:00", "tuesday 13:00-17:00", "friday 22:00-24:00", "saturday 00:00-06:00"],
            created.GetProperty("intervals").EnumerateArray().Select(i => $"{i.Str("day")} {i.Str("start")}-{i.Str("end")}"));
        var holidays = created.GetProperty("holidays").EnumerateArray().ToList();
        Assert.Equal(["2026-01-01", "2026-12-24"], holidays.Select(h => h.Str("from")));
        Assert.Equal(System.Text.Json.JsonValueKind.Null, holidays[0].GetProperty("to").ValueKind);
        Assert.Equal("Christmas", holidays[1].Str("name"));

        var read = await admin.GetOkAsync($"/schedules/{id}");
        Assert.Equal(created.GetRawText(), read.GetRawText());
        Assert.Contains(id, (await admin.GetOkAsync("/schedules")).EnumerateArray().Select(s => s.Id()));

        var replaced = await admin.PutAsJsonAsync($"/schedules/{id}", SlaTestData.OfficeHours(name + " v2", "America/New_York"));
        Assert.Equal(HttpStatusCode.OK, replaced.StatusCode);
        var after = await replaced.JsonAsync();
        Assert.Equal("America/New_York", after.Str("time_zone"));
        Assert.Equal(2, after.GetProperty("version").GetInt32());
        Assert.Equal(5, after.GetProperty("intervals").GetArrayLength());

        Assert.Equal(HttpStatusCode.NoContent, (await admin.DeleteAsync($"/schedules/{id}")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await admin.GetAsync($"/schedules/{id}")).StatusCode);
        await using var db = await app.OpenConnectionAsync();
        Assert.Equal(0, await db.ExecuteScalarAsync<int>("SELECT count(*) FROM sla_schedules WHERE id = @id", new { id }));
    }

    public static TheoryData<string, string> BadSchedules => new()
    {
        { """{"name":"x","time_zone":"Mars/Olympus_Mons","intervals":[{"day":"monday","start":"09:00","end":"17:00"}]}""", "time_zone" },
        { """{"name":"x","time_zone":"Europe/Berlin","intervals":[]}""", "intervals" },
        { """{"name":"x","time_zone":"Europe/Berlin"}""", "intervals" },
        { """{"name":"x","time_zone":"Europe/Berlin","intervals":[{"day":"monday","start":"17:00","end":"09:00"}]}""", "intervals[0].end" },
        { """{"name":"x","time_zone":"Europe/Berlin","intervals":[{"day":"monday","start":"09:00","end":"09:00"}]}""", "intervals[0].end" },
        { """{"name":"x","time_zone":"Europe/Berlin","intervals":[{"day":"monday","start":"09:00","end":"12:00"},{"day":"monday","start":"11:00","end":"17:00"}]}""", "intervals" },
        { """{"name":"x","time_zone":"Europe/Berlin","intervals":[{"day":"funday","start":"09:00","end":"17:00"}]}""", "intervals[0].day" },
        { """{"name":"x","time_zone":"Europe/Berlin","intervals":[{"day":"monday","start":"9am","end":"17:00"}]}""", "intervals[0].start" },
        { """{"name":"x","time_zone":"Europe/Berlin","intervals":[{"day":"monday","start":"09:00","end":"24:30"}]}""", "intervals[0].end" },
        { """{"name":"x","time_zone":"Europe/Berlin","intervals":[{"day":"monday","start":"09:00","end":"17:00"}],"holidays":[{"from":"2026-12-26","to":"2026-12-24"}]}""", "holidays[0].to" },
        { """{"name":"x","time_zone":"Europe/Berlin","intervals":[{"day":"monday","start":"09:00","end":"17:00"}],"holidays":[{"from":"2026-01-01","to":"2028-01-01"}]}""", "holidays[0].to" },
        { """{"name":"x","time_zone":"Europe/Berlin","intervals":[{"day":"monday","start":"09:00","end":"17:00"}],"holidays":[{"from":"not a date"}]}""", "holidays" },
        { """{"name":" ","time_zone":"Europe/Berlin","intervals":[{"day":"monday","start":"09:00","end":"17:00"}]}""", "name" },
    };

    [Theory]
    [MemberData(nameof(BadSchedules))]
    public async Task A_bad_schedule_is_a_400_naming_the_field_and_nothing_is_stored(string body, string field)
    {
        using var admin = app.ClientFor(await app.CreateUserAsync("admin"));
        var name = $"Bad {Guid.NewGuid():N}";
        body = body.Replace("\"name\":\"x\"", $"\"name\":\"{name}\"");

        var response = await admin.PostAsync("/schedules", new StringContent(body, System.Text.Encoding.UTF8, "application/json"));

        await response.AssertProblemAsync(HttpStatusCode.BadRequest, field);
        await using var db = await app.OpenConnectionAsync();
        Assert.Equal(0, await db.ExecuteScalarAsync<int>("SELECT count(*) FROM sla_schedules WHERE name = @name", new { name }));
    }

    [Fact]
    public async Task Ten_thousand_holidays_are_refused()
    {
        using var admin = app.ClientFor(await app.CreateUserAsync("admin"));
        var start = new DateOnly(2026, 1, 1);
        var holidays = Enumerable.Range(0, 10_000).Select(d => new { from = start.AddDays(d).ToString("yyyy-MM-dd") }).ToArray();

        var response = await admin.PostAsJsonAsync("/schedules", SlaTestData.OfficeHours(holidays: holidays));

        await response.AssertProblemAsync(HttpStatusCode.BadRequest, "holidays");
    }

    [Fact]
    public async Task A_replacement_that_fails_validation_leaves_the_schedule_as_it_was()
    {
        using var admin = app.ClientFor(await app.CreateUserAsync("admin"));
        var schedule = await admin.CreateScheduleAsync();

        var response = await admin.PutAsJsonAsync($"/schedules/{schedule.Id()}", new
        {
            name = "Changed", time_zone = "Nowhere/Special", intervals = new[] { new { day = "monday", start = "09:00", end = "17:00" } },
        });

        await response.AssertProblemAsync(HttpStatusCode.BadRequest, "time_zone");
        Assert.Equal(schedule.GetRawText(), (await admin.GetOkAsync($"/schedules/{schedule.Id()}")).GetRawText());
    }

    [Fact]
    public async Task Names_are_unique_regardless_of_case()
    {
        using var admin = app.ClientFor(await app.CreateUserAsync("admin"));
        var name = $"Support hours {Guid.NewGuid():N}";
        await admin.CreateScheduleAsync(SlaTestData.OfficeHours(name));

        var response = await admin.PostAsJsonAsync("/schedules", SlaTestData.OfficeHours(name.ToUpperInvariant()));

        await response.AssertProblemAsync(HttpStatusCode.Conflict, "name");
    }

    [Fact]
    public async Task Agents_read_schedules_but_only_admins_change_them()
    {
        using var admin = app.ClientFor(await app.CreateUserAsync("admin"));
        using var agent = app.ClientFor(await app.CreateUserAsync("agent"));
        using var customer = app.ClientFor(await app.RegisterCustomerAsync());
        var schedule = await admin.CreateScheduleAsync();

        Assert.Equal(HttpStatusCode.OK, (await agent.GetAsync($"/schedules/{schedule.Id()}")).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await agent.PostAsJsonAsync("/schedules", SlaTestData.OfficeHours())).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await agent.DeleteAsync($"/schedules/{schedule.Id()}")).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await customer.GetAsync("/schedules")).StatusCode);
    }
}
