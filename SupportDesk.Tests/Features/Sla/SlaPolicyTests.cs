using System.Net;
using System.Net.Http.Json;
using Dapper;

namespace SupportDesk.Tests.Features.Sla;

public sealed class SlaPolicyTests(AppFixture app)
{
    [Fact]
    public async Task An_admin_creates_reads_replaces_and_deletes_a_policy()
    {
        using var admin = app.ClientFor(await app.CreateUserAsync("admin"));
        var schedule = await admin.CreateScheduleAsync();
        var name = $"Urgent VIP {Guid.NewGuid():N}";

        var response = await admin.PostAsJsonAsync("/sla-policies", new
        {
            name,
            position = 3,
            conditions = new { priorities = new[] { "urgent", "high" }, categories = new[] { " Billing " }, tags = new[] { "VIP" } },
            schedule_id = schedule.Id(),
            targets = new object[]
            {
                new { priority = "urgent", first_reply_time = new { minutes = 60, business_hours = true }, resolution_time = new { minutes = 480, business_hours = true } },
                new { priority = "high", next_reply_time = new { minutes = 240 } },
            },
        });

        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        var policy = await response.JsonAsync();
        var id = policy.Id();
        Assert.Equal($"/sla-policies/{id}", response.Headers.Location?.OriginalString);
        Assert.Equal(3, policy.GetProperty("position").GetInt32());
        Assert.Equal(schedule.Id(), policy.GetProperty("schedule_id").GetGuid());
        var conditions = policy.GetProperty("conditions");
        Assert.Equal(["urgent", "high"], conditions.GetProperty("priorities").EnumerateArray().Select(p => p.GetString()));
        Assert.Equal(["billing"], conditions.GetProperty("categories").EnumerateArray().Select(p => p.GetString()));
        Assert.Equal(["vip"], conditions.GetProperty("tags").EnumerateArray().Select(p => p.GetString()));
        var targets = policy.GetProperty("targets").EnumerateArray().ToList();
        Assert.Equal(["high", "urgent"], targets.Select(t => t.Str("priority")));
        Assert.Equal(240, targets[0].GetProperty("next_reply_time").GetProperty("minutes").GetInt32());
        Assert.False(targets[0].GetProperty("next_reply_time").GetProperty("business_hours").GetBoolean());
        Assert.True(targets[1].GetProperty("first_reply_time").GetProperty("business_hours").GetBoolean());

        Assert.Equal(policy.GetRawText(), (await admin.GetOkAsync($"/sla-policies/{id}")).GetRawText());

        // The schedule is in use: it cannot go.
        await (await admin.DeleteAsync($"/schedules/{schedule.Id()}")).AssertProblemAsync(HttpStatusCode.Conflict, "id");

        var replaced = await admin.PutAsJsonAsync($"/sla-policies/{id}", new
        {
            name, position = 1, targets = new[] { SlaPolicyTestData.Targets("low", resolution: 2880) },
        });
        Assert.Equal(HttpStatusCode.OK, replaced.StatusCode);
        var after = await replaced.JsonAsync();
        Assert.Equal(2, after.GetProperty("version").GetInt32());
        Assert.Equal(System.Text.Json.JsonValueKind.Null, after.GetProperty("conditions").GetProperty("priorities").ValueKind);
        Assert.Equal(System.Text.Json.JsonValueKind.Null, after.GetProperty("schedule_id").ValueKind);

        // No longer used: now it may.
        Assert.Equal(HttpStatusCode.NoContent, (await admin.DeleteAsync($"/schedules/{schedule.Id()}")).StatusCode);
        Assert.Equal(HttpStatusCode.NoContent, (await admin.DeleteAsync($"/sla-policies/{id}")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await admin.GetAsync($"/sla-policies/{id}")).StatusCode);
    }

    [Fact]
    public async Task Policies_are_listed_in_the_order_tickets_try_them()
    {
        using var admin = app.ClientFor(await app.CreateUserAsync("admin"));
        var tag = SlaPolicyTestData.UniqueTag();
        var targets = new[] { SlaPolicyTestData.Targets("low", resolution: 60) };
        var late = await admin.CreatePolicyAsync(SlaPolicyTestData.ForTag(tag, targets, position: 90_000));
        var early = await admin.CreatePolicyAsync(SlaPolicyTestData.ForTag(tag, targets, position: 89_000));
        var tie = await admin.CreatePolicyAsync(SlaPolicyTestData.ForTag(tag, targets, position: 89_000));

        var listed = (await admin.GetOkAsync("/sla-policies")).EnumerateArray().Select(p => p.Id()).ToList();

        var mine = listed.Where(id => id == late.Id() || id == early.Id() || id == tie.Id()).ToList();
        Assert.Equal([early.Id(), tie.Id(), late.Id()], mine);
    }

    public static TheoryData<string, string> BadPolicies => new()
    {
        { """{"name":"x","targets":[{"priority":"urgent","first_reply_time":{"minutes":0}}]}""", "targets[0].first_reply_time.minutes" },
        { """{"name":"x","targets":[{"priority":"urgent","first_reply_time":{"minutes":-5}}]}""", "targets[0].first_reply_time.minutes" },
        { """{"name":"x","targets":[{"priority":"urgent","resolution_time":{"minutes":527041}}]}""", "targets[0].resolution_time.minutes" },
        { """{"name":"x","targets":[{"priority":"urgent"}]}""", "targets[0].first_reply_time" },
        { """{"name":"x","targets":[{"first_reply_time":{"minutes":5}}]}""", "targets[0].priority" },
        { """{"name":"x","targets":[{"priority":"critical","first_reply_time":{"minutes":5}}]}""", "targets" },
        { """{"name":"x","targets":[]}""", "targets" },
        { """{"name":"x"}""", "targets" },
        { """{"name":"x","targets":[{"priority":"low","first_reply_time":{"minutes":5}},{"priority":"low","resolution_time":{"minutes":5}}]}""", "targets" },
        { """{"name":"x","targets":[{"priority":"low","first_reply_time":{"minutes":5,"business_hours":true}}]}""", "schedule_id" },
        { """{"name":"x","conditions":{"priorities":[]},"targets":[{"priority":"low","first_reply_time":{"minutes":5}}]}""", "conditions.priorities" },
        { """{"name":"x","conditions":{"tags":[]},"targets":[{"priority":"low","first_reply_time":{"minutes":5}}]}""", "conditions.tags" },
        { """{"name":"x","conditions":{"categories":[" "]},"targets":[{"priority":"low","first_reply_time":{"minutes":5}}]}""", "conditions.categories" },
        { """{"name":"x","conditions":{"priorities":["urgent"]},"targets":[{"priority":"low","first_reply_time":{"minutes":5}}]}""", "targets" },
        { """{"name":"x","position":-1,"targets":[{"priority":"low","first_reply_time":{"minutes":5}}]}""", "position" },
        { """{"name":"x","schedule_id":"0198a3c4-0000-7000-8000-000000000000","targets":[{"priority":"low","first_reply_time":{"minutes":5}}]}""", "schedule_id" },
    };

    [Theory]
    [MemberData(nameof(BadPolicies))]
    public async Task A_bad_policy_is_a_400_naming_the_field_and_nothing_is_stored(string body, string field)
    {
        using var admin = app.ClientFor(await app.CreateUserAsync("admin"));
        var name = $"Bad {Guid.NewGuid():N}";
        body = body.Replace("\"name\":\"x\"", $"\"name\":\"{name}\"");

        var response = await admin.PostAsync("/sla-policies", new StringContent(body, System.Text.Encoding.UTF8, "application/json"));

        await response.AssertProblemAsync(HttpStatusCode.BadRequest, field);
        await using var db = await app.OpenConnectionAsync();
        Assert.Equal(0, await db.ExecuteScalarAsync<int>("SELECT count(*) FROM sla_policies WHERE name = @name", new { name }));
    }

    [Fact]
    public async Task Agents_read_policies_but_only_admins_change_them()
    {
        using var admin = app.ClientFor(await app.CreateUserAsync("admin"));
        using var agent = app.ClientFor(await app.CreateUserAsync("agent"));
        using var customer = app.ClientFor(await app.RegisterCustomerAsync());
        var body = SlaPolicyTestData.ForTag(SlaPolicyTestData.UniqueTag(), [SlaPolicyTestData.Targets("low", resolution: 60)]);
        var policy = await admin.CreatePolicyAsync(body);

        Assert.Equal(HttpStatusCode.OK, (await agent.GetAsync($"/sla-policies/{policy.Id()}")).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await agent.PostAsJsonAsync("/sla-policies", body)).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await customer.GetAsync("/sla-policies")).StatusCode);
    }
}
