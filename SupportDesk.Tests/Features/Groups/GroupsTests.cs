using System.Net;
using System.Net.Http.Json;
using Dapper;

namespace SupportDesk.Tests.Features.Groups;

public sealed class GroupsTests(AppFixture app)
{
    [Fact]
    public async Task Admin_creates_renames_and_fills_a_group_and_names_are_unique_case_insensitively()
    {
        var admin = await app.CreateUserAsync("admin");
        var agent = await app.CreateUserAsync("agent");
        var customer = await app.RegisterCustomerAsync();
        using var asAdmin = app.ClientFor(admin);
        var name = $"Billing {Guid.NewGuid():N}";

        var created = await asAdmin.PostAsJsonAsync("/groups", new { name, description = "Invoices" });
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        var id = (await created.JsonAsync()).Id();
        await (await asAdmin.PostAsJsonAsync("/groups", new { name = name.ToUpperInvariant() })).AssertProblemAsync(HttpStatusCode.Conflict);
        await (await asAdmin.PostAsJsonAsync("/groups", new { name = "  " })).AssertProblemAsync(HttpStatusCode.BadRequest, "name");

        Assert.Equal(HttpStatusCode.OK, (await asAdmin.PutAsync($"/groups/{id}/members/{agent.Id}", null)).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await asAdmin.PutAsync($"/groups/{id}/members/{agent.Id}", null)).StatusCode); // idempotent
        await (await asAdmin.PutAsync($"/groups/{id}/members/{customer.Id}", null)).AssertProblemAsync(HttpStatusCode.UnprocessableEntity);
        await (await asAdmin.PutAsync($"/groups/{id}/members/{Guid.NewGuid()}", null)).AssertProblemAsync(HttpStatusCode.NotFound);

        var renamed = await (await asAdmin.PatchAsJsonAsync($"/groups/{id}", new { name = name + " EU" })).JsonAsync();
        Assert.Equal(name + " EU", renamed.Str("name"));
        Assert.Equal("Invoices", renamed.Str("description"));
        Assert.Equal([agent.Id], renamed.GetProperty("member_ids").EnumerateArray().Select(e => e.GetGuid()).ToArray());

        using var asAgent = app.ClientFor(agent);
        var seen = await asAgent.GetGroupAsync(id);
        Assert.Equal(name + " EU", seen.Str("name"));
        Assert.Contains(id, (await asAgent.GetOkAsync("/groups")).EnumerateArray().Select(g => g.Id()));
        await (await asAgent.PostAsJsonAsync("/groups", new { name = "nope" + Guid.NewGuid() })).AssertProblemAsync(HttpStatusCode.Forbidden);
        await (await app.ClientFor(customer).GetAsync("/groups")).AssertProblemAsync(HttpStatusCode.Forbidden);

        Assert.Equal(HttpStatusCode.NoContent, (await asAdmin.DeleteAsync($"/groups/{id}/members/{agent.Id}")).StatusCode);
        await (await asAdmin.DeleteAsync($"/groups/{id}/members/{agent.Id}")).AssertProblemAsync(HttpStatusCode.NotFound);
        await using var db = await app.OpenConnectionAsync();
        Assert.Equal(0, await db.ExecuteScalarAsync<int>("SELECT count(*) FROM group_members WHERE group_id = @id", new { id }));
    }

    [Fact]
    public async Task Staff_file_tickets_in_a_group_filter_by_it_and_the_change_is_in_history_and_events()
    {
        var admin = await app.CreateUserAsync("admin");
        var agent = await app.CreateUserAsync("agent");
        var customer = await app.RegisterCustomerAsync();
        using var asAdmin = app.ClientFor(admin);
        using var asAgent = app.ClientFor(agent);
        using var asCustomer = app.ClientFor(customer);
        var billing = await asAdmin.CreateGroupAsync();
        var tier2 = await asAdmin.CreateGroupAsync();

        var filed = await asAgent.CreateTicketAsync(new { title = "Invoice wrong", description = "x", requester_id = customer.Id, group_id = billing });
        Assert.Equal(billing, filed.GetProperty("group_id").GetGuid());
        var loose = await asCustomer.CreateTicketAsync(new { title = "No group", description = "x" });
        Assert.Equal(System.Text.Json.JsonValueKind.Null, loose.GetProperty("group_id").ValueKind);

        // A customer cannot choose or change a group; an unknown group is a 400 naming the field.
        await (await asCustomer.PostAsJsonAsync("/tickets", new { title = "t", description = "d", group_id = billing })).AssertProblemAsync(HttpStatusCode.Forbidden);
        await (await asCustomer.PatchJsonAsync($"/tickets/{loose.Id()}", new { group_id = billing })).AssertProblemAsync(HttpStatusCode.Forbidden);
        await (await asAgent.PostAsJsonAsync("/tickets", new { title = "t", description = "d", requester_id = customer.Id, group_id = Guid.NewGuid() }))
            .AssertProblemAsync(HttpStatusCode.BadRequest, "group_id");
        await (await asAgent.PatchJsonAsync($"/tickets/{loose.Id()}", new { group_id = Guid.NewGuid() })).AssertProblemAsync(HttpStatusCode.BadRequest, "group_id");

        var moved = await (await asAgent.PatchJsonAsync($"/tickets/{filed.Id()}", new { group_id = tier2 })).JsonAsync();
        Assert.Equal(tier2, moved.GetProperty("group_id").GetGuid());

        var inTier2 = await asAgent.GetOkAsync($"/tickets?group_id={tier2}");
        Assert.Equal([filed.Id()], inTier2.Ids());
        Assert.Empty((await asAgent.GetOkAsync($"/tickets?group_id={billing}")).Ids());
        Assert.Contains(loose.Id(), (await asCustomer.GetOkAsync("/tickets?group_id=none")).Ids());
        await (await asAgent.GetAsync("/tickets?group_id=billing")).AssertProblemAsync(HttpStatusCode.BadRequest, "group_id");

        var history = await asAgent.GetOkAsync($"/tickets/{filed.Id()}/history");
        Assert.Contains(history.Items(), h => h.Str("field") == "group_id" && h.Str("old_value") == billing.ToString() && h.Str("new_value") == tier2.ToString());

        await using var db = await app.OpenConnectionAsync();
        var eventData = await db.ExecuteScalarAsync<string>(
            "SELECT data::text FROM realtime_events WHERE ticket_id = @id AND type = 'ticket.updated' ORDER BY occurred_at DESC LIMIT 1", new { id = filed.Id() });
        Assert.Contains($"\"group_id\": \"{tier2}\"", eventData);
    }

    [Fact]
    public async Task Deleting_a_group_leaves_its_tickets_working_without_one_and_history_readable()
    {
        var admin = await app.CreateUserAsync("admin");
        var agent = await app.CreateUserAsync("agent");
        var customer = await app.RegisterCustomerAsync();
        using var asAdmin = app.ClientFor(admin);
        using var asAgent = app.ClientFor(agent);
        var group = await asAdmin.CreateGroupAsync(agent);
        var ticket = await asAgent.CreateTicketAsync(new { title = "In a team", description = "x", requester_id = customer.Id, group_id = group });
        var version = ticket.GetProperty("version").GetInt32();

        Assert.Equal(HttpStatusCode.NoContent, (await asAdmin.DeleteAsync($"/groups/{group}")).StatusCode);
        await (await asAdmin.DeleteAsync($"/groups/{group}")).AssertProblemAsync(HttpStatusCode.NotFound);
        await (await asAgent.GetAsync($"/groups/{group}")).AssertProblemAsync(HttpStatusCode.NotFound);

        var after = await asAgent.GetTicketAsync(ticket.Id());
        Assert.Equal(System.Text.Json.JsonValueKind.Null, after.GetProperty("group_id").ValueKind);
        Assert.Equal(version + 1, after.GetProperty("version").GetInt32());
        var history = await asAgent.GetOkAsync($"/tickets/{ticket.Id()}/history");
        Assert.Contains(history.Items(), h => h.Str("field") == "group_id" && h.Str("old_value") == group.ToString()
                                              && h.GetProperty("new_value").ValueKind == System.Text.Json.JsonValueKind.Null);
        // The ticket still takes changes and comments, and nobody can file into the deleted group.
        Assert.Equal(HttpStatusCode.OK, (await asAgent.PatchJsonAsync($"/tickets/{ticket.Id()}", new { title = "Still here" })).StatusCode);
        await (await asAgent.PatchJsonAsync($"/tickets/{ticket.Id()}", new { group_id = group })).AssertProblemAsync(HttpStatusCode.BadRequest, "group_id");

        await using var db = await app.OpenConnectionAsync();
        Assert.Equal(0, await db.ExecuteScalarAsync<int>("SELECT count(*) FROM group_members WHERE group_id = @group", new { group }));
    }

    [Fact]
    public async Task A_member_made_a_customer_leaves_every_group()
    {
        var admin = await app.CreateUserAsync("admin");
        var agent = await app.CreateUserAsync("agent");
        using var asAdmin = app.ClientFor(admin);
        var group = await asAdmin.CreateGroupAsync(agent);

        (await asAdmin.PatchAsJsonAsync($"/users/{agent.Id}", new { role = "customer" })).EnsureSuccessStatusCode();

        Assert.Empty((await asAdmin.GetGroupAsync(group)).GetProperty("member_ids").EnumerateArray());
    }

    [Fact]
    public async Task The_group_name_reaches_email_templates()
    {
        var admin = await app.CreateUserAsync("admin");
        using var asAdmin = app.ClientFor(admin);
        var preview = await (await asAdmin.PostAsJsonAsync("/email-templates/ticket_created/preview", new { text_body = "Team: {{ group_name }}" })).JsonAsync();
        Assert.Equal("Team: Billing", preview.Str("text_body"));
    }
}
