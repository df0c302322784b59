using System.Net;
using System.Net.Http.Json;
using Dapper;

namespace SupportDesk.Tests.Features.Tickets;

public sealed class UpdateTicketTests(AppFixture app)
{
    private sealed record HistoryRow(string Action, string? Field, string? OldValue, string? NewValue, Guid ActorId);

    private async Task<List<HistoryRow>> HistoryAsync(Guid ticketId)
    {
        await using var db = await app.OpenConnectionAsync();
        return (await db.QueryAsync<HistoryRow>(
            "SELECT action, field, old_value, new_value, actor_id FROM ticket_history WHERE ticket_id = @ticketId ORDER BY created_at, id",
            new { ticketId })).AsList();
    }

    [Fact]
    public async Task Put_is_a_partial_update_writing_one_history_row_per_changed_field()
    {
        var customer = await app.RegisterCustomerAsync();
        var agent = await app.CreateUserAsync("agent");
        using var asCustomer = app.ClientFor(customer);
        var ticket = await asCustomer.CreateTicketAsync(new { title = "Login Issue", description = "Cannot login", priority = "high", category = "authentication" });
        using var asAgent = app.ClientFor(agent);

        var response = await asAgent.PutAsJsonAsync($"/tickets/{ticket.Id()}", new { status = "in_progress", priority = "medium", assignee_id = agent.Id });

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var updated = await response.JsonAsync();
        Assert.Equal("in_progress", updated.Str("status"));
        Assert.Equal("medium", updated.Str("priority"));
        Assert.Equal(agent.Id, updated.GetProperty("assignee_id").GetGuid());
        Assert.Equal("Login Issue", updated.Str("title"));
        Assert.Equal("authentication", updated.Str("category"));
        Assert.Equal("\"2\"", response.Headers.ETag?.ToString());

        var history = (await HistoryAsync(ticket.Id())).Skip(1).ToList();
        Assert.Equal(3, history.Count);
        Assert.Contains(new HistoryRow("status_changed", "status", "open", "in_progress", agent.Id), history);
        Assert.Contains(new HistoryRow("updated", "priority", "high", "medium", agent.Id), history);
        Assert.Contains(new HistoryRow("assigned", "assignee_id", null, agent.Id.ToString(), agent.Id), history);
    }

    [Fact]
    public async Task Patch_clears_category_with_null_and_an_unchanged_value_writes_nothing()
    {
        var customer = await app.RegisterCustomerAsync();
        using var client = app.ClientFor(customer);
        var ticket = await client.CreateTicketAsync(new { title = "T", description = "D", category = "billing" });

        var same = await client.PatchJsonAsync($"/tickets/{ticket.Id()}", new { title = "T" });
        Assert.Equal("\"1\"", same.Headers.ETag?.ToString());
        var cleared = await client.PatchJsonAsync($"/tickets/{ticket.Id()}", new { category = (string?)null });
        Assert.Equal(HttpStatusCode.OK, cleared.StatusCode);
        Assert.Equal(System.Text.Json.JsonValueKind.Null, (await cleared.JsonAsync()).GetProperty("category").ValueKind);

        var history = await HistoryAsync(ticket.Id());
        Assert.Equal(2, history.Count);
        Assert.Equal(new HistoryRow("updated", "category", "billing", null, customer.Id), history[1]);
    }

    [Fact]
    public async Task Customers_edit_their_text_fields_but_not_priority_assignee_or_workflow_states()
    {
        var customer = await app.RegisterCustomerAsync();
        var agent = await app.CreateUserAsync("agent");
        using var client = app.ClientFor(customer);
        var ticket = await client.CreateTicketAsync(new { title = "T", description = "D", priority = "low" });

        var ok = await client.PatchJsonAsync($"/tickets/{ticket.Id()}", new { title = "New title", description = "New description", category = "c", tags = new[] { "x" } });
        Assert.Equal(HttpStatusCode.OK, ok.StatusCode);

        await (await client.PatchJsonAsync($"/tickets/{ticket.Id()}", new { priority = "urgent" })).AssertProblemAsync(HttpStatusCode.Forbidden);
        await (await client.PatchJsonAsync($"/tickets/{ticket.Id()}", new { assignee_id = agent.Id })).AssertProblemAsync(HttpStatusCode.Forbidden);
        await (await client.PatchJsonAsync($"/tickets/{ticket.Id()}", new { status = "in_progress" })).AssertProblemAsync(HttpStatusCode.Forbidden);
        await (await client.PatchJsonAsync($"/tickets/{ticket.Id()}", new { status = "resolved" })).AssertProblemAsync(HttpStatusCode.Forbidden);
        // A refused request writes nothing, not even the allowed fields it carried.
        await (await client.PatchJsonAsync($"/tickets/{ticket.Id()}", new { title = "Sneaky", priority = "urgent" })).AssertProblemAsync(HttpStatusCode.Forbidden);

        var current = await client.GetTicketAsync(ticket.Id());
        Assert.Equal(("New title", "low", "open"), (current.Str("title"), current.Str("priority"), current.Str("status")));
        Assert.Equal(5, (await HistoryAsync(ticket.Id())).Count);

        var closed = await client.PatchJsonAsync($"/tickets/{ticket.Id()}", new { status = "closed" });
        Assert.Equal("closed", (await closed.JsonAsync()).Str("status"));
        var reopened = await (await client.PatchJsonAsync($"/tickets/{ticket.Id()}", new { status = "open" })).JsonAsync();
        Assert.Equal("open", reopened.Str("status"));
        Assert.Equal(System.Text.Json.JsonValueKind.Null, reopened.GetProperty("closed_at").ValueKind);
    }

    [Fact]
    public async Task Mass_assignment_of_protected_fields_is_refused()
    {
        var customer = await app.RegisterCustomerAsync();
        var other = await app.RegisterCustomerAsync();
        var admin = await app.CreateUserAsync("admin");
        using var asCustomer = app.ClientFor(customer);
        using var asAdmin = app.ClientFor(admin);
        var ticket = await asCustomer.CreateTicketAsync();

        foreach (var (field, value) in new (string, object)[] { ("requester_id", other.Id), ("created_by", other.Id), ("number", 1), ("id", Guid.NewGuid()), ("version", 99), ("first_response_at", "2020-01-01T00:00:00Z") })
        {
            var body = new Dictionary<string, object> { ["title"] = "x", [field] = value };
            await (await asAdmin.PatchJsonAsync($"/tickets/{ticket.Id()}", body)).AssertProblemAsync(HttpStatusCode.BadRequest, field);
        }

        var current = await asAdmin.GetTicketAsync(ticket.Id());
        Assert.Equal(customer.Id, current.GetProperty("requester_id").GetGuid());
        Assert.Equal(ticket.GetProperty("number").GetInt64(), current.GetProperty("number").GetInt64());
        Assert.Equal(ticket.Str("title"), current.Str("title"));
    }

    [Fact]
    public async Task Invalid_status_moves_are_422_and_write_nothing()
    {
        var customer = await app.RegisterCustomerAsync();
        var agent = await app.CreateUserAsync("agent");
        using var asCustomer = app.ClientFor(customer);
        using var asAgent = app.ClientFor(agent);
        var ticket = await asCustomer.CreateTicketAsync();
        Assert.Equal(HttpStatusCode.OK, (await asAgent.PatchJsonAsync($"/tickets/{ticket.Id()}", new { status = "closed" })).StatusCode);

        var response = await asAgent.PatchJsonAsync($"/tickets/{ticket.Id()}", new { status = "resolved", priority = "urgent" });

        await response.AssertProblemAsync(HttpStatusCode.UnprocessableEntity, "status");
        var current = await asAgent.GetTicketAsync(ticket.Id());
        Assert.Equal(("closed", "high"), (current.Str("status"), current.Str("priority")));
        Assert.Equal(2, (await HistoryAsync(ticket.Id())).Count);
    }

    [Fact]
    public async Task Resolving_and_closing_stamp_times_and_reopening_clears_them()
    {
        var customer = await app.RegisterCustomerAsync();
        var agent = await app.CreateUserAsync("agent");
        using var asAgent = app.ClientFor(agent);
        var ticket = await app.ClientFor(customer).CreateTicketAsync();

        var resolved = await (await asAgent.PatchJsonAsync($"/tickets/{ticket.Id()}", new { status = "resolved" })).JsonAsync();
        Assert.NotEqual(System.Text.Json.JsonValueKind.Null, resolved.GetProperty("resolved_at").ValueKind);
        var closed = await (await asAgent.PatchJsonAsync($"/tickets/{ticket.Id()}", new { status = "closed" })).JsonAsync();
        Assert.NotEqual(System.Text.Json.JsonValueKind.Null, closed.GetProperty("closed_at").ValueKind);
        var reopened = await (await asAgent.PatchJsonAsync($"/tickets/{ticket.Id()}", new { status = "open" })).JsonAsync();
        Assert.Equal(System.Text.Json.JsonValueKind.Null, reopened.GetProperty("resolved_at").ValueKind);
        Assert.Equal(System.Text.Json.JsonValueKind.Null, reopened.GetProperty("closed_at").ValueKind);
    }

    [Fact]
    public async Task Stale_if_match_is_412_and_writes_nothing()
    {
        var customer = await app.RegisterCustomerAsync();
        using var client = app.ClientFor(customer);
        var ticket = await client.CreateTicketAsync();
        var etag = (await client.GetAsync($"/tickets/{ticket.Id()}")).Headers.ETag!.ToString();
        Assert.Equal(HttpStatusCode.OK, (await client.PatchJsonAsync($"/tickets/{ticket.Id()}", new { title = "First edit" }, etag)).StatusCode);

        var stale = await client.PatchJsonAsync($"/tickets/{ticket.Id()}", new { title = "Second edit" }, etag);

        await stale.AssertProblemAsync(HttpStatusCode.PreconditionFailed);
        Assert.Equal("First edit", (await client.GetTicketAsync(ticket.Id())).Str("title"));
        Assert.Equal(2, (await HistoryAsync(ticket.Id())).Count);
        await (await client.PatchJsonAsync($"/tickets/{ticket.Id()}", new { title = "x" }, "\"garbage")).AssertProblemAsync(HttpStatusCode.PreconditionFailed);
        Assert.Equal(HttpStatusCode.OK, (await client.PatchJsonAsync($"/tickets/{ticket.Id()}", new { title = "Any version" }, "*")).StatusCode);
    }

    [Fact]
    public async Task Concurrent_updates_with_the_same_if_match_exactly_one_wins()
    {
        var customer = await app.RegisterCustomerAsync();
        var agent = await app.CreateUserAsync("agent");
        var ticket = await app.ClientFor(customer).CreateTicketAsync();
        using var client = app.ClientFor(agent);

        var results = await Task.WhenAll(Enumerable.Range(0, 8).Select(i =>
            client.PatchJsonAsync($"/tickets/{ticket.Id()}", new { title = $"Edit {i}" }, "\"1\"")));

        Assert.Equal(1, results.Count(r => r.StatusCode == HttpStatusCode.OK));
        Assert.Equal(7, results.Count(r => r.StatusCode == HttpStatusCode.PreconditionFailed));
        var winner = await results.Single(r => r.StatusCode == HttpStatusCode.OK).JsonAsync();
        var current = await client.GetTicketAsync(ticket.Id());
        Assert.Equal(winner.Str("title"), current.Str("title"));
        Assert.Equal(2, current.GetProperty("version").GetInt32());
        Assert.Equal(2, (await HistoryAsync(ticket.Id())).Count);
    }

    [Theory]
    [InlineData("{}", "body")]
    [InlineData("{\"title\":null}", "title")]
    [InlineData("{\"status\":\"done\"}", "status")]
    [InlineData("{\"status\":null}", "status")]
    [InlineData("{\"tags\":null}", "tags")]
    [InlineData("{\"assignee_id\":\"nope\"}", "assignee_id")]
    public async Task Bad_update_bodies_are_400_naming_the_field(string body, string field)
    {
        var agent = await app.CreateUserAsync("agent");
        var customer = await app.RegisterCustomerAsync();
        var ticket = await app.ClientFor(customer).CreateTicketAsync();
        using var client = app.ClientFor(agent);
        var response = await client.PatchAsync($"/tickets/{ticket.Id()}", new StringContent(body, System.Text.Encoding.UTF8, "application/json"));
        await response.AssertProblemAsync(HttpStatusCode.BadRequest, field);
    }

    [Fact]
    public async Task Only_active_staff_can_be_assigned()
    {
        var customer = await app.RegisterCustomerAsync();
        var agent = await app.CreateUserAsync("agent");
        using var asAgent = app.ClientFor(agent);
        var ticket = await app.ClientFor(customer).CreateTicketAsync();

        await (await asAgent.PostAsJsonAsync($"/tickets/{ticket.Id()}/assign", new { assignee_id = customer.Id })).AssertProblemAsync(HttpStatusCode.BadRequest, "assignee_id");
        await (await asAgent.PostAsJsonAsync($"/tickets/{ticket.Id()}/assign", new { assignee_id = Guid.NewGuid() })).AssertProblemAsync(HttpStatusCode.BadRequest, "assignee_id");
        await (await asAgent.PostAsJsonAsync($"/tickets/{ticket.Id()}/assign", new { })).AssertProblemAsync(HttpStatusCode.BadRequest, "assignee_id");

        var assigned = await asAgent.PostAsJsonAsync($"/tickets/{ticket.Id()}/assign", new { assignee_id = agent.Id });
        Assert.Equal(agent.Id, (await assigned.JsonAsync()).GetProperty("assignee_id").GetGuid());
        var unassigned = await asAgent.PostAsJsonAsync($"/tickets/{ticket.Id()}/assign", new { assignee_id = (Guid?)null });
        Assert.Equal(System.Text.Json.JsonValueKind.Null, (await unassigned.JsonAsync()).GetProperty("assignee_id").ValueKind);

        var history = await HistoryAsync(ticket.Id());
        Assert.Equal(new HistoryRow("assigned", "assignee_id", null, agent.Id.ToString(), agent.Id), history[1]);
        Assert.Equal(new HistoryRow("assigned", "assignee_id", agent.Id.ToString(), null, agent.Id), history[2]);
    }

    [Fact]
    public async Task History_is_append_only_in_the_database_itself()
    {
        var customer = await app.RegisterCustomerAsync();
        var ticket = await app.ClientFor(customer).CreateTicketAsync();
        await using var db = await app.OpenConnectionAsync();
        await Assert.ThrowsAsync<Npgsql.PostgresException>(() => db.ExecuteAsync("UPDATE ticket_history SET action = 'updated' WHERE ticket_id = @id", new { id = ticket.Id() }));
        await Assert.ThrowsAsync<Npgsql.PostgresException>(() => db.ExecuteAsync("DELETE FROM ticket_history WHERE ticket_id = @id", new { id = ticket.Id() }));
        Assert.Equal(1, await db.ExecuteScalarAsync<int>("SELECT count(*) FROM ticket_history WHERE ticket_id = @id", new { id = ticket.Id() }));
    }
}
