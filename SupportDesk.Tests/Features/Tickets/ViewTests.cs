using System.Net;
using System.Net.Http.Json;
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
        await (await client.PostAsJsonAsync("/views", new { name = "Bad", filters = new Dictionary<string, string> { ["q"] = "printer" } }))
            .AssertProblemAsync(HttpStatusCode.BadRequest, "filters.q");
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
}
