using System.Net;
using System.Net.Http.Json;
using Dapper;

namespace SupportDesk.Tests.Features.Groups;

/// <summary>
/// Routing rules are global, so each test's rules match only a category or tag of its own: other tests' tickets
/// (created in parallel on the same database) never meet them.
/// </summary>
public sealed class RoutingRuleTests(AppFixture app)
{
    private static string Unique(string prefix) => $"{prefix}-{Guid.NewGuid():N}"[..30];

    [Fact]
    public async Task The_first_matching_rule_by_position_sets_group_priority_and_tags_on_create()
    {
        var admin = app.ClientFor(await app.CreateUserAsync("admin"));
        var customer = app.ClientFor(await app.RegisterCustomerAsync());
        var billing = await admin.CreateGroupAsync();
        var fallback = await admin.CreateGroupAsync();
        var category = Unique("billing");

        var first = await (await admin.PostAsJsonAsync("/routing-rules", new
        {
            name = "Billing first", position = 10, category, set_group_id = billing, set_priority = "urgent", add_tags = new[] { "Finance" },
        })).JsonAsync();
        var second = await admin.PostAsJsonAsync("/routing-rules", new { name = "Billing later", position = 20, category, set_group_id = fallback });
        Assert.Equal(HttpStatusCode.Created, second.StatusCode);

        var ticket = await customer.CreateTicketAsync(new { title = "Charged twice", description = "x", category = category.ToUpperInvariant(), tags = new[] { "card" } });
        Assert.Equal(billing, ticket.GetProperty("group_id").GetGuid());
        Assert.Equal("urgent", ticket.Str("priority"));
        Assert.Equal(new[] { "card", "finance" }, ticket.GetProperty("tags").EnumerateArray().Select(t => t.GetString()!).Order().ToArray());
        await using var db = await app.OpenConnectionAsync();
        Assert.Equal($"{first.Id()} Billing first", await db.ExecuteScalarAsync<string>(
            "SELECT new_value FROM ticket_history WHERE ticket_id = @Id AND action = 'routed'", new { Id = ticket.Id() }));

        // Switched off, the first rule no longer matches; the next one does.
        (await admin.PatchAsJsonAsync($"/routing-rules/{first.Id()}", new { is_active = false })).EnsureSuccessStatusCode();
        var next = await customer.CreateTicketAsync(new { title = "Again", description = "x", category });
        Assert.Equal(fallback, next.GetProperty("group_id").GetGuid());
        Assert.Equal("medium", next.Str("priority"));

        // A ticket that matches nothing is left alone.
        var other = await customer.CreateTicketAsync(new { title = "Other", description = "x", category = Unique("other") });
        Assert.Equal(System.Text.Json.JsonValueKind.Null, other.GetProperty("group_id").ValueKind);
        Assert.Contains(first.Id(), (await admin.GetOkAsync("/routing-rules")).EnumerateArray().Select(r => r.Id()));
    }

    [Fact]
    public async Task Tag_and_priority_conditions_must_all_hold_and_inbound_address_rules_wait_for_email()
    {
        var admin = app.ClientFor(await app.CreateUserAsync("admin"));
        var agent = await app.CreateUserAsync("agent");
        var customer = app.ClientFor(await app.RegisterCustomerAsync());
        var tier2 = await admin.CreateGroupAsync(agent);
        (await admin.PatchAsJsonAsync($"/groups/{tier2}", new { assignment_mode = "round_robin" })).EnsureSuccessStatusCode();
        var tag = Unique("outage");
        (await admin.PostAsJsonAsync("/routing-rules", new { name = "Mail only", position = 0, tags_any = new[] { tag }, inbound_address = "support@example.test", set_priority = "low" })).EnsureSuccessStatusCode();
        (await admin.PostAsJsonAsync("/routing-rules", new { name = "Outage", position = 1, tags_any = new[] { tag, "other" }, priorities = new[] { "high", "urgent" }, set_group_id = tier2 })).EnsureSuccessStatusCode();

        var low = await customer.CreateTicketAsync(new { title = "Slow", description = "x", priority = "low", tags = new[] { tag } });
        Assert.Equal(System.Text.Json.JsonValueKind.Null, low.GetProperty("group_id").ValueKind);
        Assert.Equal("low", low.Str("priority"));

        // Routed into a round-robin group, the ticket is also assigned in the same create.
        var high = await customer.CreateTicketAsync(new { title = "Down", description = "x", priority = "high", tags = new[] { tag.ToUpperInvariant() } });
        Assert.Equal(tier2, high.GetProperty("group_id").GetGuid());
        Assert.Equal("high", high.Str("priority"));
        Assert.Equal(agent.Id, high.GetProperty("assignee_id").GetGuid());
    }

    [Fact]
    public async Task A_rule_cannot_route_to_a_missing_group_and_a_routed_to_group_cannot_be_deleted()
    {
        var admin = app.ClientFor(await app.CreateUserAsync("admin"));
        var customer = await app.RegisterCustomerAsync();
        await (await admin.PostAsJsonAsync("/routing-rules", new { name = "Nowhere", category = Unique("x"), set_group_id = Guid.NewGuid() }))
            .AssertProblemAsync(HttpStatusCode.BadRequest, "set_group_id");
        await (await admin.PostAsJsonAsync("/routing-rules", new { name = "No action", category = Unique("x") })).AssertProblemAsync(HttpStatusCode.BadRequest, "body");
        await (await admin.PostAsJsonAsync("/routing-rules", new { name = "Bad", set_priority = "extreme" })).AssertProblemAsync(HttpStatusCode.BadRequest, "set_priority");

        var group = await admin.CreateGroupAsync();
        var ticket = (await admin.CreateTicketAsync(new { title = "In it", description = "x", requester_id = customer.Id, group_id = group })).Id();
        var rule = (await (await admin.PostAsJsonAsync("/routing-rules", new { name = "To the team", category = Unique("team"), set_group_id = group })).JsonAsync()).Id();

        var refused = await (await admin.DeleteAsync($"/groups/{group}")).AssertProblemAsync(HttpStatusCode.Conflict);
        Assert.Contains("To the team", refused.GetRawText());
        await using var db = await app.OpenConnectionAsync();
        Assert.Equal(group, await db.ExecuteScalarAsync<Guid?>("SELECT group_id FROM tickets WHERE id = @ticket", new { ticket }));
        Assert.Equal(0, await db.ExecuteScalarAsync<int>("SELECT count(*) FROM ticket_history WHERE ticket_id = @ticket AND field = 'group_id'", new { ticket }));

        // Clearing the rule's group when it has no other action is refused too: a rule always does something.
        await (await admin.PatchAsJsonAsync($"/routing-rules/{rule}", new { set_group_id = (Guid?)null })).AssertProblemAsync(HttpStatusCode.BadRequest, "body");
        Assert.Equal(HttpStatusCode.NoContent, (await admin.DeleteAsync($"/routing-rules/{rule}")).StatusCode);
        Assert.Equal(HttpStatusCode.NoContent, (await admin.DeleteAsync($"/groups/{group}")).StatusCode);
        await (await admin.PatchAsJsonAsync($"/routing-rules/{rule}", new { name = "gone" })).AssertProblemAsync(HttpStatusCode.NotFound);
    }
}
