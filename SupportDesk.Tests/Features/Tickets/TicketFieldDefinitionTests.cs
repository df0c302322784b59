using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Dapper;

namespace SupportDesk.Tests.Features.Tickets;

public sealed class TicketFieldDefinitionTests(AppFixture app)
{
    private async Task<HttpClient> AdminAsync() => app.ClientFor(await app.CreateUserAsync("admin"));

    [Fact]
    public async Task An_admin_defines_a_dropdown_and_everyone_reads_it_as_stored()
    {
        using var admin = await AdminAsync();
        var key = TicketFieldTestData.UniqueKey("plan");
        var response = await admin.PostAsJsonAsync("/ticket-fields", new
        {
            key, label = "Plan", type = "dropdown", options = new[] { new { value = "gold", label = "Gold" }, new { value = "free", label = "Free" } },
            // No required flag here: in the shared database it would bind every other test's tickets (CustomFieldRequiredTests).
            customer_visible = true, customer_editable = true, position = 3,
        });

        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        var field = await response.JsonAsync();
        Assert.Equal($"/ticket-fields/{field.Id()}", response.Headers.Location?.ToString());
        Assert.Equal(key, field.Str("key"));
        Assert.Equal("dropdown", field.Str("type"));
        Assert.Equal(["gold", "free"], field.GetProperty("options").EnumerateArray().Select(o => o.Str("value")));
        Assert.False(field.GetProperty("required_to_resolve").GetBoolean());
        Assert.False(field.GetProperty("required_on_create").GetBoolean());
        Assert.True(field.GetProperty("customer_editable").GetBoolean());
        Assert.Equal(3, field.GetProperty("position").GetInt32());

        await using var db = await app.OpenConnectionAsync();
        var row = await db.QuerySingleAsync<(string Type, string Options, bool Visible)>(
            "SELECT type, options::text, customer_visible FROM ticket_fields WHERE key = @key", new { key });
        Assert.Equal("dropdown", row.Type);
        Assert.Contains("\"gold\"", row.Options);
        Assert.True(row.Visible);

        var customer = await app.RegisterCustomerAsync();
        using var asCustomer = app.ClientFor(customer);
        var seen = await asCustomer.GetOkAsync($"/ticket-fields/{field.Id()}");
        Assert.Equal("Plan", seen.Str("label"));
        Assert.Contains((await asCustomer.GetOkAsync("/ticket-fields")).EnumerateArray(), f => f.Str("key") == key);
    }

    [Fact]
    public async Task Customers_never_see_internal_fields_staff_do()
    {
        using var admin = await AdminAsync();
        var internalField = await admin.CreateFieldAsync(new { key = TicketFieldTestData.UniqueKey("risk"), label = "Risk", type = "number" });
        var customer = await app.RegisterCustomerAsync();
        using var asCustomer = app.ClientFor(customer);
        using var asAgent = app.ClientFor(await app.CreateUserAsync("agent"));

        await (await asCustomer.GetAsync($"/ticket-fields/{internalField.Id()}")).AssertProblemAsync(HttpStatusCode.NotFound);
        Assert.DoesNotContain((await asCustomer.GetOkAsync("/ticket-fields")).EnumerateArray(), f => f.Id() == internalField.Id());
        Assert.Contains((await asAgent.GetOkAsync("/ticket-fields")).EnumerateArray(), f => f.Id() == internalField.Id());
        await (await asAgent.PostAsJsonAsync("/ticket-fields", new { key = TicketFieldTestData.UniqueKey(), label = "X", type = "text" }))
            .AssertProblemAsync(HttpStatusCode.Forbidden);
    }

    [Theory]
    [InlineData("{\"key\":\"Order\",\"label\":\"Order\",\"type\":\"text\"}", "key")]
    [InlineData("{\"key\":\"1order\",\"label\":\"Order\",\"type\":\"text\"}", "key")]
    [InlineData("{\"key\":\"order-number\",\"label\":\"Order\",\"type\":\"text\"}", "key")]
    [InlineData("{\"key\":\"order\",\"label\":\"  \",\"type\":\"text\"}", "label")]
    [InlineData("{\"key\":\"order\",\"label\":\"Order\"}", "type")]
    [InlineData("{\"key\":\"order\",\"label\":\"Order\",\"type\":\"colour\"}", "type")]
    [InlineData("{\"key\":\"order\",\"label\":\"Order\",\"type\":\"dropdown\"}", "options")]
    [InlineData("{\"key\":\"order\",\"label\":\"Order\",\"type\":\"dropdown\",\"options\":[]}", "options")]
    [InlineData("{\"key\":\"order\",\"label\":\"Order\",\"type\":\"text\",\"options\":[{\"value\":\"a\",\"label\":\"A\"}]}", "options")]
    [InlineData("{\"key\":\"order\",\"label\":\"Order\",\"type\":\"dropdown\",\"options\":[{\"value\":\"a\",\"label\":\"A\"},{\"value\":\"a\",\"label\":\"B\"}]}", "options")]
    [InlineData("{\"key\":\"order\",\"label\":\"Order\",\"type\":\"dropdown\",\"options\":[{\"value\":\"a b\",\"label\":\"A\"}]}", "options")]
    [InlineData("{\"key\":\"order\",\"label\":\"Order\",\"type\":\"text\",\"customer_editable\":true}", "customer_editable")]
    [InlineData("{\"key\":\"order\",\"label\":\"Order\",\"type\":\"text\",\"position\":-1}", "position")]
    public async Task A_definition_that_breaks_a_rule_is_a_400_naming_the_part_and_nothing_is_stored(string body, string field)
    {
        using var admin = await AdminAsync();
        var unique = TicketFieldTestData.UniqueKey("order");
        var json = body.Replace("\"key\":\"order\"", $"\"key\":\"{unique}\"");
        var response = await admin.PostAsync("/ticket-fields", new StringContent(json, System.Text.Encoding.UTF8, "application/json"));

        await response.AssertProblemAsync(HttpStatusCode.BadRequest, field);
        await using var db = await app.OpenConnectionAsync();
        Assert.Equal(0, await db.ExecuteScalarAsync<int>("SELECT count(*) FROM ticket_fields WHERE key = @unique", new { unique }));
    }

    [Fact]
    public async Task A_label_and_options_change_but_key_and_type_cannot()
    {
        using var admin = await AdminAsync();
        var key = TicketFieldTestData.UniqueKey("tier");
        var field = await admin.CreateFieldAsync(new { key, label = "Tier", type = "dropdown", options = TicketFieldTestData.Options("gold", "silver") });

        var renamed = await admin.PatchJsonAsync($"/ticket-fields/{field.Id()}", new
        {
            label = "Support tier", options = new[] { new { value = "gold", label = "Gold+" }, new { value = "bronze", label = "Bronze" } }, customer_visible = true,
        });
        Assert.Equal(HttpStatusCode.OK, renamed.StatusCode);
        var body = await renamed.JsonAsync();
        Assert.Equal("Support tier", body.Str("label"));
        Assert.Equal(key, body.Str("key"));
        Assert.Equal(["Gold+", "Bronze"], body.GetProperty("options").EnumerateArray().Select(o => o.Str("label")));

        await (await admin.PatchJsonAsync($"/ticket-fields/{field.Id()}", new { key = "other" })).AssertProblemAsync(HttpStatusCode.BadRequest);
        await (await admin.PatchJsonAsync($"/ticket-fields/{field.Id()}", new { type = "text" })).AssertProblemAsync(HttpStatusCode.BadRequest);
        await (await admin.PatchJsonAsync($"/ticket-fields/{field.Id()}", new { options = Array.Empty<object>() })).AssertProblemAsync(HttpStatusCode.BadRequest, "options");
        await (await admin.PatchJsonAsync($"/ticket-fields/{field.Id()}", new { label = (string?)null })).AssertProblemAsync(HttpStatusCode.BadRequest, "label");
        await (await admin.PatchJsonAsync($"/ticket-fields/{Guid.NewGuid()}", new { label = "X" })).AssertProblemAsync(HttpStatusCode.NotFound);

        await using var db = await app.OpenConnectionAsync();
        var row = await db.QuerySingleAsync<(string Key, string Type, string Label)>("SELECT key, type, label FROM ticket_fields WHERE id = @id", new { id = field.Id() });
        Assert.Equal((key, "dropdown", "Support tier"), row);
    }

    [Fact]
    public async Task Hiding_a_field_from_customers_also_stops_them_editing_it()
    {
        using var admin = await AdminAsync();
        var field = await admin.CreateFieldAsync(new { key = TicketFieldTestData.UniqueKey("device"), label = "Device", type = "text", customer_visible = true, customer_editable = true });

        var hidden = await (await admin.PatchJsonAsync($"/ticket-fields/{field.Id()}", new { customer_visible = false })).JsonAsync();

        Assert.False(hidden.GetProperty("customer_editable").GetBoolean());
        await (await admin.PatchJsonAsync($"/ticket-fields/{field.Id()}", new { customer_editable = true })).AssertProblemAsync(HttpStatusCode.BadRequest, "customer_editable");
    }

    [Fact]
    public async Task A_deleted_field_keeps_its_row_and_its_key_is_never_reused()
    {
        using var admin = await AdminAsync();
        var key = TicketFieldTestData.UniqueKey("legacy");
        var field = await admin.CreateFieldAsync(new { key, label = "Legacy", type = "checkbox", customer_visible = true });

        Assert.Equal(HttpStatusCode.NoContent, (await admin.DeleteAsync($"/ticket-fields/{field.Id()}")).StatusCode);

        await (await admin.DeleteAsync($"/ticket-fields/{field.Id()}")).AssertProblemAsync(HttpStatusCode.NotFound);
        Assert.DoesNotContain((await admin.GetOkAsync("/ticket-fields")).EnumerateArray(), f => f.Id() == field.Id());
        Assert.Contains((await admin.GetOkAsync("/ticket-fields?include_deleted=true")).EnumerateArray(), f => f.Id() == field.Id());
        var stored = await admin.GetOkAsync($"/ticket-fields/{field.Id()}");
        Assert.Equal(JsonValueKind.String, stored.GetProperty("deleted_at").ValueKind);
        var customer = await app.RegisterCustomerAsync();
        using var asCustomer = app.ClientFor(customer);
        await (await asCustomer.GetAsync($"/ticket-fields/{field.Id()}")).AssertProblemAsync(HttpStatusCode.NotFound);
        await (await admin.PatchJsonAsync($"/ticket-fields/{field.Id()}", new { label = "Back" })).AssertProblemAsync(HttpStatusCode.NotFound);

        await (await admin.PostAsJsonAsync("/ticket-fields", new { key, label = "Again", type = "text" })).AssertProblemAsync(HttpStatusCode.Conflict);
        await using var db = await app.OpenConnectionAsync();
        Assert.Equal(1, await db.ExecuteScalarAsync<int>("SELECT count(*) FROM ticket_fields WHERE key = @key AND deleted_at IS NOT NULL", new { key }));
    }
}

public sealed class TicketFieldLimitTests(IsolatedFieldsApp app) : IClassFixture<IsolatedFieldsApp>
{
    [Fact]
    public async Task A_thousand_definitions_at_once_stop_at_TICKET_FIELDS_MAX_with_409s()
    {
        var (_, admin) = await app.UserAsync("admin");
        var statuses = new System.Collections.Concurrent.ConcurrentBag<HttpStatusCode>();
        await Parallel.ForEachAsync(Enumerable.Range(0, 1000), new ParallelOptions { MaxDegreeOfParallelism = 16 }, async (i, ct) =>
        {
            using var response = await admin.PostAsJsonAsync("/ticket-fields", new { key = $"bulk_{i}", label = $"Bulk {i}", type = "text" }, ct);
            if (response.StatusCode == HttpStatusCode.Conflict)
                await response.AssertProblemAsync(HttpStatusCode.Conflict);
            statuses.Add(response.StatusCode);
        });

        Assert.Equal(IsolatedFieldsApp.MaxFields, statuses.Count(s => s == HttpStatusCode.Created));
        Assert.Equal(1000 - IsolatedFieldsApp.MaxFields, statuses.Count(s => s == HttpStatusCode.Conflict));
        await using var db = await app.OpenConnectionAsync();
        Assert.Equal(IsolatedFieldsApp.MaxFields, await db.ExecuteScalarAsync<int>("SELECT count(*) FROM ticket_fields WHERE deleted_at IS NULL"));

        // A deleted field frees its place.
        var one = await db.ExecuteScalarAsync<Guid>("SELECT id FROM ticket_fields WHERE deleted_at IS NULL LIMIT 1");
        Assert.Equal(HttpStatusCode.NoContent, (await admin.DeleteAsync($"/ticket-fields/{one}")).StatusCode);
        await admin.CreateFieldAsync(new { key = "after_delete", label = "After", type = "text" });
    }
}
