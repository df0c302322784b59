using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Dapper;

namespace SupportDesk.Tests.Features.Tickets;

public sealed class ViewTests(AppFixture app)
{
    [Fact]
    public async Task A_view_lists_and_counts_its_filter_for_the_caller_and_is_shared_as_declared()
    {
        var admin = app.ClientFor(await app.CreateUserAsync("admin"));
        var owner = await app.CreateUserAsync("agent");
        var member = await app.CreateUserAsync("agent");
        var outsider = await app.CreateUserAsync("agent");
        var customer = await app.RegisterCustomerAsync();
        var group = await admin.CreateGroupAsync(member);
        var category = $"views-{Guid.NewGuid():N}"[..30];
        for (var i = 0; i < 3; i++)
            await admin.CreateTicketAsync(new { title = $"urgent {i}", description = "x", requester_id = customer.Id, priority = "urgent", category, group_id = group });
        await admin.CreateTicketAsync(new { title = "low", description = "x", requester_id = customer.Id, priority = "low", category });

        using var asOwner = app.ClientFor(owner);
        var created = await asOwner.PostAsJsonAsync("/views", new
        {
            name = "Urgent in my team", position = 1, shared_with = "groups", group_ids = new[] { group },
            filters = new Dictionary<string, string> { ["priority"] = "urgent,high", ["category"] = category, ["assignee_id"] = "none" },
        });
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        var view = (await created.JsonAsync()).Id();

        var tickets = await asOwner.GetOkAsync($"/views/{view}/tickets?limit=2");
        Assert.Equal(3, tickets.GetProperty("total").GetInt32());
        Assert.Equal(2, tickets.Ids().Count);
        var counts = await app.ClientFor(member).GetOkAsync("/views/counts");
        var count = counts.EnumerateArray().Single(c => c.GetProperty("view_id").GetGuid() == view);
        Assert.Equal((3, false, true), (count.GetProperty("count").GetInt32(), count.GetProperty("capped").GetBoolean(), count.GetProperty("valid").GetBoolean()));

        // Shared with the group: its member uses it but cannot change it; an outsider does not see it at all.
        Assert.Contains(view, (await app.ClientFor(member).GetOkAsync("/views")).EnumerateArray().Select(v => v.Id()));
        await (await app.ClientFor(member).PutAsJsonAsync($"/views/{view}", new { name = "Mine now" })).AssertProblemAsync(HttpStatusCode.Forbidden);
        Assert.DoesNotContain(view, (await app.ClientFor(outsider).GetOkAsync("/views")).EnumerateArray().Select(v => v.Id()));
        await (await app.ClientFor(outsider).GetAsync($"/views/{view}/tickets")).AssertProblemAsync(HttpStatusCode.NotFound);
        await (await app.ClientFor(customer).GetAsync("/views")).AssertProblemAsync(HttpStatusCode.Forbidden);

        Assert.Equal(HttpStatusCode.NoContent, (await asOwner.DeleteAsync($"/views/{view}")).StatusCode);
        await (await asOwner.GetAsync($"/views/{view}/tickets")).AssertProblemAsync(HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task Filters_are_validated_by_the_list_rules_and_a_stored_filter_that_no_longer_validates_is_a_clear_422()
    {
        var agent = await app.CreateUserAsync("agent");
        using var client = app.ClientFor(agent);
        await (await client.PostAsJsonAsync("/views", new { name = "Bad", filters = new Dictionary<string, string> { ["status"] = "done" } }))
            .AssertProblemAsync(HttpStatusCode.BadRequest, "filters.status");
        await (await client.PostAsJsonAsync("/views", new { name = "Bad", filters = new Dictionary<string, string> { ["colour"] = "red" } }))
            .AssertProblemAsync(HttpStatusCode.BadRequest, "filters.colour");
        await (await client.PostAsJsonAsync("/views", new { name = "Bad", filters = new Dictionary<string, string> { ["limit"] = "5" } }))
            .AssertProblemAsync(HttpStatusCode.BadRequest, "filters.limit");
        await (await client.PostAsJsonAsync("/views", new { name = "Bad", filters = new Dictionary<string, string> { ["sla_breached"] = "maybe" } }))
            .AssertProblemAsync(HttpStatusCode.BadRequest, "filters.sla_breached");
        await (await client.PostAsJsonAsync("/views", new { name = "Bad", filters = new Dictionary<string, string> { ["sla_due_before"] = "soon" } }))
            .AssertProblemAsync(HttpStatusCode.BadRequest, "filters.sla_due_before");
        await (await client.PostAsJsonAsync("/views", new { name = "Bad", filters = new Dictionary<string, string> { ["field.no_such_field_anywhere"] = "x" } }))
            .AssertProblemAsync(HttpStatusCode.BadRequest, "filters.field.no_such_field_anywhere");
        await (await client.PostAsJsonAsync("/views", new { name = "Bad", filters = new Dictionary<string, string> { ["group_id"] = Guid.NewGuid().ToString() } }))
            .AssertProblemAsync(HttpStatusCode.BadRequest, "filters.group_id");
        await (await client.PostAsJsonAsync("/views", new { name = "Bad", filters = new Dictionary<string, string> { ["q"] = new string('a', 600) } }))
            .AssertProblemAsync(HttpStatusCode.BadRequest, "filters");
        await (await client.PostAsJsonAsync("/views", new { name = "Bad", shared_with = "groups" })).AssertProblemAsync(HttpStatusCode.BadRequest, "group_ids");

        // A view saved under older rules (written straight to the table) answers 422 and is flagged in the counts.
        var view = (await (await client.PostAsJsonAsync("/views", new { name = "Old", filters = new Dictionary<string, string> { ["status"] = "open" } })).JsonAsync()).Id();
        await using (var db = await app.OpenConnectionAsync())
            await db.ExecuteAsync("UPDATE ticket_views SET filters = '{\"status\": \"waiting\", \"team\": \"x\"}' WHERE id = @view", new { view });

        var problem = await (await client.GetAsync($"/views/{view}/tickets")).AssertProblemAsync(HttpStatusCode.UnprocessableEntity);
        Assert.Contains("no longer validate", problem.GetRawText());
        var count = (await client.GetOkAsync("/views/counts")).EnumerateArray().Single(c => c.GetProperty("view_id").GetGuid() == view);
        Assert.False(count.GetProperty("valid").GetBoolean());
        Assert.Equal(System.Text.Json.JsonValueKind.Null, count.GetProperty("count").ValueKind);
    }

    [Fact]
    public async Task Counts_stop_at_the_cap_and_say_so()
    {
        var admin = await app.CreateUserAsync("admin");
        var customer = await app.RegisterCustomerAsync();
        var tag = $"cap-{Guid.NewGuid():N}"[..30];
        await using (var db = await app.OpenConnectionAsync())
            await db.ExecuteAsync("""
                INSERT INTO tickets (id, title, description, requester_id, created_by, tags)
                SELECT gen_random_uuid(), 'bulk', 'x', @customer, @customer, ARRAY[@tag] FROM generate_series(1, 1001)
                """, new { customer = customer.Id, tag });
        using var client = app.ClientFor(admin);
        var view = (await (await client.PostAsJsonAsync("/views", new { name = "Many", filters = new Dictionary<string, string> { ["tag"] = tag } })).JsonAsync()).Id();
        var count = (await client.GetOkAsync("/views/counts")).EnumerateArray().Single(c => c.GetProperty("view_id").GetGuid() == view);
        Assert.Equal((1000, true), (count.GetProperty("count").GetInt32(), count.GetProperty("capped").GetBoolean()));
    }

    [Fact]
    public async Task A_view_holds_custom_field_sla_and_text_filters_and_answers_exactly_as_the_list_route()
    {
        using var admin = app.ClientFor(await app.CreateUserAsync("admin"));
        var agent = await app.CreateUserAsync("agent");
        var customer = await app.RegisterCustomerAsync();
        var plan = TicketFieldTestData.UniqueKey("plan");
        await admin.CreateFieldAsync(new { key = plan, label = "Plan", type = "dropdown", options = TicketFieldTestData.Options("free", "gold") });
        var group = await admin.CreateGroupAsync(agent);
        var category = $"viewsla-{Guid.NewGuid():N}"[..30];
        async Task<Guid> TicketAsync(string value, bool inGroup, bool breached, int dueInMinutes)
        {
            var id = (await admin.CreateTicketAsync(new
            {
                title = "zebraquartz printer", description = "x", requester_id = customer.Id, category,
                group_id = inGroup ? group : (Guid?)null, custom_fields = new Dictionary<string, string> { [plan] = value },
            })).Id();
            await using var db = await app.OpenConnectionAsync();
            await db.ExecuteAsync("""
                UPDATE tickets SET sla_due_at = now() + make_interval(mins => @dueInMinutes), sla_breached = @breached WHERE id = @id;
                INSERT INTO ticket_sla_targets (ticket_id, target, policy_id, priority, minutes, started_at, due_at, breached_at)
                VALUES (@id, 'first_reply', gen_random_uuid(), 'medium', 60, now() - interval '2 hours',
                        -- A running target that is not breached is due ahead: one already past due would be (rightly) marked
                        -- breached by the breach job running beside the test.
                        CASE WHEN @breached THEN now() - interval '1 hour' ELSE now() + make_interval(mins => @dueInMinutes) END,
                        CASE WHEN @breached THEN now() END)
                """, new { id, dueInMinutes, breached });
            return id;
        }
        var match = await TicketAsync("gold", inGroup: true, breached: true, dueInMinutes: 30);
        var notBreached = await TicketAsync("gold", inGroup: true, breached: false, dueInMinutes: 30);
        await TicketAsync("free", inGroup: true, breached: true, dueInMinutes: 30);
        await TicketAsync("gold", inGroup: false, breached: true, dueInMinutes: 30);
        var dueLater = await TicketAsync("gold", inGroup: true, breached: true, dueInMinutes: 600);

        var dueBefore = DateTimeOffset.UtcNow.AddHours(2).ToString("O");
        var filters = new Dictionary<string, string>
        {
            ["category"] = category, [$"field.{plan}"] = "gold", ["group_id"] = group.ToString(), ["sla_breached"] = "true",
            ["sla_due_before"] = dueBefore, ["q"] = "zebraquartz", ["sort"] = "sla_due_at",
        };
        using var client = app.ClientFor(agent);
        var created = await client.PostAsJsonAsync("/views", new { name = "Breached gold", filters });
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        var body = await created.JsonAsync();
        Assert.Equal(filters, body.GetProperty("filters").Deserialize<Dictionary<string, string>>());
        var view = body.Id();

        var query = string.Join("&", filters.Select(f => $"{Uri.EscapeDataString(f.Key)}={Uri.EscapeDataString(f.Value)}"));
        var listed = await client.GetOkAsync($"/tickets?{query}");
        Assert.Equal([match], listed.Ids());
        var inView = await client.GetOkAsync($"/views/{view}/tickets");
        Assert.Equal(listed.Ids(), inView.Ids());
        Assert.Equal(1, inView.GetProperty("total").GetInt32());
        var count = (await client.GetOkAsync("/views/counts")).EnumerateArray().Single(c => c.GetProperty("view_id").GetGuid() == view);
        Assert.Equal((1, false, true), (count.GetProperty("count").GetInt32(), count.GetProperty("capped").GetBoolean(), count.GetProperty("valid").GetBoolean()));

        // The opposite SLA filter, with the rest unchanged: not breached, due time not bounded.
        filters["sla_breached"] = "false";
        filters.Remove("sla_due_before");
        var other = (await (await client.PostAsJsonAsync("/views", new { name = "Gold, in time", filters })).JsonAsync()).Id();
        Assert.Equal([notBreached], (await client.GetOkAsync($"/views/{other}/tickets")).Ids());
        filters["sla_breached"] = "true";
        var later = (await (await client.PostAsJsonAsync("/views", new { name = "Gold, breached", filters })).JsonAsync()).Id();
        Assert.Equal([match, dueLater], (await client.GetOkAsync($"/views/{later}/tickets")).Ids());
    }

    [Fact]
    public async Task Every_filter_of_the_list_route_but_paging_can_be_saved()
    {
        using var anonymous = app.Anonymous();
        var document = await (await anonymous.GetAsync("/openapi/v1.json")).JsonAsync();
        var names = document.GetProperty("paths").GetProperty("/tickets").GetProperty("get").GetProperty("parameters")
            .EnumerateArray().Select(p => p.GetProperty("name").GetString()!).Except(["limit", "offset"]).Order().ToArray();
        using var admin = app.ClientFor(await app.CreateUserAsync("admin"));
        var group = await admin.CreateGroupAsync();
        var filters = new Dictionary<string, string>
        {
            ["status"] = "open,pending", ["priority"] = "urgent", ["category"] = "billing", ["tag"] = "vip", ["assignee_id"] = "me",
            ["requester_id"] = Guid.NewGuid().ToString(), ["created_after"] = "2026-01-01T00:00:00Z", ["created_before"] = "2026-12-01T00:00:00Z",
            ["sort"] = "sla_due_at", ["order"] = "asc", ["q"] = "printer", ["group_id"] = group.ToString(), ["sla_breached"] = "true",
            ["sla_due_before"] = "2026-12-31T00:00:00Z",
        };
        // A parameter added to GET /tickets needs a value here, and views take it without further work.
        Assert.Equal(names, filters.Keys.Order().ToArray());
        var created = await admin.PostAsJsonAsync("/views", new { name = "Everything", filters });
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        var view = (await created.JsonAsync()).Id();
        Assert.Equal(0, (await admin.GetOkAsync($"/views/{view}/tickets")).GetProperty("total").GetInt32());
    }

    [Fact]
    public async Task A_view_over_a_deleted_custom_field_or_group_answers_422_naming_the_filter_and_is_flagged_in_the_counts()
    {
        using var admin = app.ClientFor(await app.CreateUserAsync("admin"));
        var key = TicketFieldTestData.UniqueKey("gone");
        var field = (await admin.CreateFieldAsync(new { key, label = "Gone soon", type = "text" })).Id();
        var group = await admin.CreateGroupAsync();
        var customer = await app.RegisterCustomerAsync();
        await admin.CreateTicketAsync(new { title = "t", description = "x", requester_id = customer.Id, group_id = group, custom_fields = new Dictionary<string, string> { [key] = "v" } });
        var byField = (await (await admin.PostAsJsonAsync("/views", new { name = "By field", filters = new Dictionary<string, string> { [$"field.{key}"] = "v" } })).JsonAsync()).Id();
        var byGroup = (await (await admin.PostAsJsonAsync("/views", new { name = "By group", filters = new Dictionary<string, string> { ["group_id"] = group.ToString() } })).JsonAsync()).Id();
        var fine = (await (await admin.PostAsJsonAsync("/views", new { name = "Still fine", filters = new Dictionary<string, string> { ["status"] = "open" } })).JsonAsync()).Id();
        Assert.Equal(1, (await admin.GetOkAsync($"/views/{byField}/tickets")).GetProperty("total").GetInt32());
        Assert.Equal(1, (await admin.GetOkAsync($"/views/{byGroup}/tickets")).GetProperty("total").GetInt32());

        Assert.Equal(HttpStatusCode.NoContent, (await admin.DeleteAsync($"/ticket-fields/{field}")).StatusCode);
        Assert.Equal(HttpStatusCode.NoContent, (await admin.DeleteAsync($"/groups/{group}")).StatusCode);

        // Not everything (the filter dropped), not nothing (a group no ticket is in): a problem naming the filter.
        var fieldProblem = await (await admin.GetAsync($"/views/{byField}/tickets")).AssertProblemAsync(HttpStatusCode.UnprocessableEntity, $"filters.field.{key}");
        Assert.Contains(key, fieldProblem.GetRawText());
        await (await admin.GetAsync($"/views/{byGroup}/tickets")).AssertProblemAsync(HttpStatusCode.UnprocessableEntity, "filters.group_id");
        var counts = (await admin.GetOkAsync("/views/counts")).EnumerateArray().ToDictionary(c => c.GetProperty("view_id").GetGuid());
        foreach (var (view, filter) in new[] { (byField, $"filters.field.{key}"), (byGroup, "filters.group_id") })
        {
            Assert.False(counts[view].GetProperty("valid").GetBoolean());
            Assert.Equal(System.Text.Json.JsonValueKind.Null, counts[view].GetProperty("count").ValueKind);
            Assert.Contains(filter, counts[view].GetProperty("problem").GetString());
        }
        // GET /views flags them too (so a client can mark them without counting), and leaves the others valid.
        var listed = (await admin.GetOkAsync("/views")).EnumerateArray().ToDictionary(v => v.GetProperty("id").GetGuid());
        foreach (var (view, filter) in new[] { (byField, $"filters.field.{key}"), (byGroup, "filters.group_id") })
        {
            Assert.False(listed[view].GetProperty("valid").GetBoolean());
            Assert.Contains(filter, listed[view].GetProperty("problem").GetString());
        }
        Assert.True(listed[fine].GetProperty("valid").GetBoolean());
        Assert.Equal(System.Text.Json.JsonValueKind.Null, listed[fine].GetProperty("problem").ValueKind);
        // The stored filters are left as they were, so the owner sees what to change.
        await using var db = await app.OpenConnectionAsync();
        Assert.Contains(key, await db.ExecuteScalarAsync<string>("SELECT filters::text FROM ticket_views WHERE id = @byField", new { byField }));
    }
}
