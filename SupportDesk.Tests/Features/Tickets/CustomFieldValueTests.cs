using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Dapper;

namespace SupportDesk.Tests.Features.Tickets;

public sealed class CustomFieldValueTests(AppFixture app)
{
    /// <summary>One field of each type, all visible to customers; "internal" is staff-only and "shown" is visible but not customer-editable.</summary>
    private sealed record Fields(string Text, string Number, string Date, string Checkbox, string Dropdown, string Multi, string Internal, string Shown);

    private async Task<HttpClient> AdminAsync() => app.ClientFor(await app.CreateUserAsync("admin"));

    private static async Task<Fields> DefineAsync(HttpClient admin)
    {
        var keys = new Fields(TicketFieldTestData.UniqueKey("order"), TicketFieldTestData.UniqueKey("seats"), TicketFieldTestData.UniqueKey("renewal"),
            TicketFieldTestData.UniqueKey("vip"), TicketFieldTestData.UniqueKey("plan"), TicketFieldTestData.UniqueKey("devices"),
            TicketFieldTestData.UniqueKey("risk"), TicketFieldTestData.UniqueKey("region"));
        await admin.CreateFieldAsync(new { key = keys.Text, label = "Order number", type = "text", customer_visible = true, customer_editable = true });
        await admin.CreateFieldAsync(new { key = keys.Number, label = "Seats", type = "number", customer_visible = true, customer_editable = true });
        await admin.CreateFieldAsync(new { key = keys.Date, label = "Renewal", type = "date", customer_visible = true, customer_editable = true });
        await admin.CreateFieldAsync(new { key = keys.Checkbox, label = "VIP", type = "checkbox", customer_visible = true, customer_editable = true });
        await admin.CreateFieldAsync(new { key = keys.Dropdown, label = "Plan", type = "dropdown", options = TicketFieldTestData.Options("free", "gold"), customer_visible = true, customer_editable = true });
        await admin.CreateFieldAsync(new { key = keys.Multi, label = "Devices", type = "multi_select", options = TicketFieldTestData.Options("ios", "android", "web"), customer_visible = true, customer_editable = true });
        await admin.CreateFieldAsync(new { key = keys.Internal, label = "Churn risk", type = "number" });
        await admin.CreateFieldAsync(new { key = keys.Shown, label = "Region", type = "text", customer_visible = true });
        return keys;
    }

    private static StringContent Body(string json) => new(json, Encoding.UTF8, "application/json");

    private async Task<string> StoredAsync(Guid ticketId)
    {
        await using var db = await app.OpenConnectionAsync();
        return await db.ExecuteScalarAsync<string>("SELECT custom_fields::text FROM tickets WHERE id = @ticketId", new { ticketId }) ?? "";
    }

    [Fact]
    public async Task Values_of_every_type_are_stored_in_their_json_form_and_returned()
    {
        using var admin = await AdminAsync();
        var k = await DefineAsync(admin);
        using var agent = app.ClientFor(await app.CreateUserAsync("agent"));
        var customer = await app.RegisterCustomerAsync();

        var ticket = await agent.CreateTicketAsync(new Dictionary<string, object>
        {
            ["title"] = "Order missing", ["description"] = "Where is it?", ["requester_id"] = customer.Id,
            ["custom_fields"] = new Dictionary<string, object>
            {
                [k.Text] = "A-1042", [k.Number] = 12.5, [k.Date] = "2027-01-31", [k.Checkbox] = true, [k.Dropdown] = "gold",
                [k.Multi] = new[] { "web", "ios", "web" }, [k.Internal] = 3,
            },
        });

        var fields = ticket.GetProperty("custom_fields");
        Assert.Equal("A-1042", fields.Str(k.Text));
        Assert.Equal(12.5m, fields.GetProperty(k.Number).GetDecimal());
        Assert.Equal("2027-01-31", fields.Str(k.Date));
        Assert.True(fields.GetProperty(k.Checkbox).GetBoolean());
        Assert.Equal("gold", fields.Str(k.Dropdown));
        Assert.Equal(["ios", "web"], fields.GetProperty(k.Multi).EnumerateArray().Select(v => v.GetString()));
        Assert.Equal(3, fields.GetProperty(k.Internal).GetInt32());

        using var stored = JsonDocument.Parse(await StoredAsync(ticket.Id()));
        Assert.Equal(JsonValueKind.Number, stored.RootElement.GetProperty(k.Number).ValueKind);
        Assert.Equal("[\"ios\",\"web\"]", stored.RootElement.GetProperty(k.Multi).GetRawText().Replace(" ", ""));
        Assert.Equal(7, stored.RootElement.EnumerateObject().Count());
    }

    [Theory]
    [InlineData("dropdown", "\"platinum\"")]
    [InlineData("dropdown", "1")]
    [InlineData("number", "\"twelve\"")]
    [InlineData("number", "1e400")]
    [InlineData("number", "true")]
    [InlineData("date", "\"31/01/2027\"")]
    [InlineData("date", "\"2027-02-30\"")]
    [InlineData("checkbox", "\"yes\"")]
    [InlineData("multi_select", "\"ios\"")]
    [InlineData("multi_select", "[\"ios\",\"blackberry\"]")]
    [InlineData("multi_select", "[\"ios\",1]")]
    [InlineData("text", "{\"nested\":1}")]
    [InlineData("text", "\"a\\u0000b\"")]
    [InlineData("text", "\"\\ud800\"")]
    public async Task A_value_that_does_not_fit_its_definition_is_a_400_naming_it_and_nothing_is_written(string type, string value)
    {
        using var admin = await AdminAsync();
        var k = await DefineAsync(admin);
        var key = type switch { "dropdown" => k.Dropdown, "number" => k.Number, "date" => k.Date, "checkbox" => k.Checkbox, "multi_select" => k.Multi, _ => k.Text };
        using var agent = app.ClientFor(await app.CreateUserAsync("agent"));
        var title = $"Refused {Guid.NewGuid():N}";

        var created = await agent.PostAsync("/tickets", Body($"{{\"title\":\"{title}\",\"description\":\"d\",\"custom_fields\":{{\"{key}\":{value}}}}}"));
        await created.AssertProblemAsync(HttpStatusCode.BadRequest, $"custom_fields.{key}");

        var ticket = await agent.CreateTicketAsync(new { title, description = "d" });
        var updated = await agent.PatchAsync($"/tickets/{ticket.Id()}", Body($"{{\"custom_fields\":{{\"{key}\":{value}}}}}"));
        await updated.AssertProblemAsync(HttpStatusCode.BadRequest, $"custom_fields.{key}");

        await using var db = await app.OpenConnectionAsync();
        Assert.Equal(1, await db.ExecuteScalarAsync<int>("SELECT count(*) FROM tickets WHERE title = @title", new { title }));
        Assert.Equal((1, "{}"), await db.QuerySingleAsync<(int, string)>("SELECT version, custom_fields::text FROM tickets WHERE id = @id", new { id = ticket.Id() }));
    }

    [Fact]
    public async Task An_unknown_key_is_a_400_naming_custom_fields_key_and_a_malformed_key_names_custom_fields()
    {
        using var agent = app.ClientFor(await app.CreateUserAsync("agent"));
        var unknown = TicketFieldTestData.UniqueKey("nope");

        await (await agent.PostAsync("/tickets", Body($"{{\"title\":\"t\",\"description\":\"d\",\"custom_fields\":{{\"{unknown}\":1}}}}")))
            .AssertProblemAsync(HttpStatusCode.BadRequest, $"custom_fields.{unknown}");
        await (await agent.PostAsync("/tickets", Body("{\"title\":\"t\",\"description\":\"d\",\"custom_fields\":{\"Not A Key\":1}}")))
            .AssertProblemAsync(HttpStatusCode.BadRequest, "custom_fields");
        await (await agent.PostAsync("/tickets", Body("{\"title\":\"t\",\"description\":\"d\",\"custom_fields\":[1]}")))
            .AssertProblemAsync(HttpStatusCode.BadRequest);
    }

    [Fact]
    public async Task Customers_set_only_customer_editable_fields_and_see_only_customer_visible_ones()
    {
        using var admin = await AdminAsync();
        var k = await DefineAsync(admin);
        var customer = await app.RegisterCustomerAsync();
        using var asCustomer = app.ClientFor(customer);
        using var agent = app.ClientFor(await app.CreateUserAsync("agent"));

        var ticket = await asCustomer.CreateTicketAsync(new Dictionary<string, object>
        {
            ["title"] = "Mine", ["description"] = "d", ["custom_fields"] = new Dictionary<string, object> { [k.Text] = "A-1", [k.Dropdown] = "free" },
        });
        Assert.Equal("A-1", ticket.GetProperty("custom_fields").Str(k.Text));

        // Staff-only: as if it did not exist. Visible but not editable: 403. Nothing changes either way.
        await (await asCustomer.PatchJsonAsync($"/tickets/{ticket.Id()}", new { custom_fields = new Dictionary<string, object> { [k.Internal] = 1 } }))
            .AssertProblemAsync(HttpStatusCode.BadRequest, $"custom_fields.{k.Internal}");
        await (await asCustomer.PatchJsonAsync($"/tickets/{ticket.Id()}", new { custom_fields = new Dictionary<string, object> { [k.Shown] = "EU" } }))
            .AssertProblemAsync(HttpStatusCode.Forbidden);
        Assert.Equal(HttpStatusCode.OK, (await agent.PatchJsonAsync($"/tickets/{ticket.Id()}",
            new { custom_fields = new Dictionary<string, object> { [k.Internal] = 9, [k.Shown] = "EU" } })).StatusCode);

        var seenByCustomer = (await asCustomer.GetTicketAsync(ticket.Id())).GetProperty("custom_fields");
        Assert.Equal("EU", seenByCustomer.Str(k.Shown));
        Assert.False(seenByCustomer.TryGetProperty(k.Internal, out _));
        var listed = (await asCustomer.GetOkAsync("/tickets?limit=100")).Items().Single(t => t.Id() == ticket.Id());
        Assert.False(listed.GetProperty("custom_fields").TryGetProperty(k.Internal, out _));
        var byNumber = await asCustomer.GetOkAsync($"/tickets/by-number/{ticket.GetProperty("number").GetInt64()}");
        Assert.False(byNumber.GetProperty("custom_fields").TryGetProperty(k.Internal, out _));
        var customerUpdate = await (await asCustomer.PatchJsonAsync($"/tickets/{ticket.Id()}", new { custom_fields = new Dictionary<string, object> { [k.Text] = "A-2" } })).JsonAsync();
        Assert.False(customerUpdate.GetProperty("custom_fields").TryGetProperty(k.Internal, out _));
        Assert.Equal("A-2", customerUpdate.GetProperty("custom_fields").Str(k.Text));

        var seenByAgent = (await agent.GetTicketAsync(ticket.Id())).GetProperty("custom_fields");
        Assert.Equal(9, seenByAgent.GetProperty(k.Internal).GetInt32());
        Assert.Contains($"\"{k.Internal}\": 9", await StoredAsync(ticket.Id()));
    }

    [Fact]
    public async Task An_update_sets_the_keys_given_null_clears_one_and_the_same_value_writes_nothing()
    {
        using var admin = await AdminAsync();
        var k = await DefineAsync(admin);
        using var agent = app.ClientFor(await app.CreateUserAsync("agent"));
        var ticket = await agent.CreateTicketAsync(new Dictionary<string, object>
        {
            ["title"] = "T", ["description"] = "d", ["custom_fields"] = new Dictionary<string, object> { [k.Text] = "A-1", [k.Number] = 2 },
        });

        var same = await agent.PatchJsonAsync($"/tickets/{ticket.Id()}", new { custom_fields = new Dictionary<string, object> { [k.Number] = 2.0 } });
        Assert.Equal("\"1\"", same.Headers.ETag?.ToString());

        var cleared = await (await agent.PatchJsonAsync($"/tickets/{ticket.Id()}", new { custom_fields = new Dictionary<string, object?> { [k.Text] = null, [k.Checkbox] = false } })).JsonAsync();
        var fields = cleared.GetProperty("custom_fields");
        Assert.False(fields.TryGetProperty(k.Text, out _));
        Assert.Equal(2, fields.GetProperty(k.Number).GetInt32());
        Assert.False(fields.GetProperty(k.Checkbox).GetBoolean());
        Assert.Equal(2, cleared.GetProperty("version").GetInt32());
        Assert.DoesNotContain(k.Text, await StoredAsync(ticket.Id()));
    }

    [Fact]
    public async Task A_deleted_fields_values_stay_stored_but_leave_every_view_and_cannot_be_written()
    {
        using var admin = await AdminAsync();
        var k = await DefineAsync(admin);
        using var agent = app.ClientFor(await app.CreateUserAsync("agent"));
        var ticket = await agent.CreateTicketAsync(new Dictionary<string, object>
        {
            ["title"] = "T", ["description"] = "d", ["custom_fields"] = new Dictionary<string, object> { [k.Text] = "A-1", [k.Number] = 2 },
        });
        var definition = (await admin.GetOkAsync("/ticket-fields")).EnumerateArray().Single(f => f.Str("key") == k.Text);

        Assert.Equal(HttpStatusCode.NoContent, (await admin.DeleteAsync($"/ticket-fields/{definition.Id()}")).StatusCode);

        var fields = (await agent.GetTicketAsync(ticket.Id())).GetProperty("custom_fields");
        Assert.False(fields.TryGetProperty(k.Text, out _));
        Assert.Equal(2, fields.GetProperty(k.Number).GetInt32());
        Assert.Contains("A-1", await StoredAsync(ticket.Id()));
        await (await agent.PatchJsonAsync($"/tickets/{ticket.Id()}", new { custom_fields = new Dictionary<string, object> { [k.Text] = "A-2" } }))
            .AssertProblemAsync(HttpStatusCode.BadRequest, $"custom_fields.{k.Text}");
        // Other writes keep the hidden value as it was.
        Assert.Equal(HttpStatusCode.OK, (await agent.PatchJsonAsync($"/tickets/{ticket.Id()}", new { custom_fields = new Dictionary<string, object> { [k.Number] = 3 } })).StatusCode);
        Assert.Contains("A-1", await StoredAsync(ticket.Id()));
    }

    [Fact]
    public async Task Labels_renamed_while_tickets_are_updated_lose_no_write()
    {
        using var admin = await AdminAsync();
        var k = await DefineAsync(admin);
        using var agent = app.ClientFor(await app.CreateUserAsync("agent"));
        var tickets = new List<Guid>();
        for (var i = 0; i < 4; i++)
            tickets.Add((await agent.CreateTicketAsync(new { title = $"Race {i}", description = "d" })).Id());
        var definition = (await admin.GetOkAsync("/ticket-fields")).EnumerateArray().Single(f => f.Str("key") == k.Dropdown);

        var writes = Enumerable.Range(0, 40).Select(async i =>
        {
            var ticketId = tickets[i % tickets.Count];
            var body = new { custom_fields = new Dictionary<string, object> { [k.Dropdown] = i % 2 == 0 ? "gold" : "free", [k.Number] = i } };
            var response = await agent.PatchJsonAsync($"/tickets/{ticketId}", body);
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        });
        var renames = Enumerable.Range(0, 20).Select(async i =>
        {
            var response = await admin.PatchJsonAsync($"/ticket-fields/{definition.Id()}", new
            {
                label = $"Plan {i}", options = new[] { new { value = "free", label = $"Free {i}" }, new { value = "gold", label = $"Gold {i}" } },
            });
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        });
        await Task.WhenAll(writes.Concat(renames));

        await using var db = await app.OpenConnectionAsync();
        foreach (var ticketId in tickets)
        {
            // Every write is in the history, and the row holds what the last one wrote.
            var numbers = (await db.QueryAsync<string?>(
                "SELECT new_value FROM ticket_history WHERE ticket_id = @ticketId AND field = @field ORDER BY created_at, id",
                new { ticketId, field = $"custom_fields.{k.Number}" })).ToList();
            Assert.Equal(10, numbers.Count);
            using var stored = JsonDocument.Parse(await StoredAsync(ticketId));
            Assert.Equal(numbers[^1], stored.RootElement.GetProperty(k.Number).GetRawText());
            Assert.Contains(stored.RootElement.GetProperty(k.Dropdown).GetString(), new[] { "gold", "free" });
        }
        var label = await db.ExecuteScalarAsync<string>("SELECT label FROM ticket_fields WHERE id = @id", new { id = definition.Id() });
        Assert.StartsWith("Plan ", label);
    }
}
