using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Dapper;

namespace SupportDesk.Tests.Features.Tickets;

/// <summary>What follows a custom field change: history, live events, search; customers never hear of staff-only values.</summary>
public sealed class CustomFieldActivityTests(AppFixture app, RealtimeServerFixture fixture) : IClassFixture<RealtimeServerFixture>
{
    private sealed record HistoryRow(string Action, string? Field, string? OldValue, string? NewValue, bool IsPrivate);

    private static string Type(JsonElement message) => message.GetProperty("type").GetString()!;

    private async Task<(string Order, string Plan, string Risk)> DefineAsync()
    {
        using var admin = app.ClientFor(await app.CreateUserAsync("admin"));
        var keys = (TicketFieldTestData.UniqueKey("order"), TicketFieldTestData.UniqueKey("plan"), TicketFieldTestData.UniqueKey("risk"));
        await admin.CreateFieldAsync(new { key = keys.Item1, label = "Order", type = "text", customer_visible = true, customer_editable = true });
        await admin.CreateFieldAsync(new { key = keys.Item2, label = "Plan", type = "multi_select", options = TicketFieldTestData.Options("free", "gold"), customer_visible = true });
        await admin.CreateFieldAsync(new { key = keys.Item3, label = "Risk", type = "text" });
        return keys;
    }

    [Fact]
    public async Task Each_changed_key_is_a_history_row_and_staff_only_rows_are_hidden_from_the_customer()
    {
        var (order, plan, risk) = await DefineAsync();
        var customer = await app.RegisterCustomerAsync();
        using var asCustomer = app.ClientFor(customer);
        using var agent = app.ClientFor(await app.CreateUserAsync("agent"));
        var ticket = await asCustomer.CreateTicketAsync(new { title = "T", description = "d", custom_fields = new Dictionary<string, object> { [order] = "A-1" } });

        Assert.Equal(HttpStatusCode.OK, (await agent.PatchJsonAsync($"/tickets/{ticket.Id()}", new
        {
            custom_fields = new Dictionary<string, object?> { [order] = null, [plan] = new[] { "gold", "free" }, [risk] = "churn likely" },
        })).StatusCode);

        await using var db = await app.OpenConnectionAsync();
        var rows = (await db.QueryAsync<HistoryRow>(
            "SELECT action, field, old_value, new_value, is_private FROM ticket_history WHERE ticket_id = @id AND field LIKE 'custom_fields.%' ORDER BY field",
            new { id = ticket.Id() })).ToList();
        Assert.Equal(3, rows.Count);
        Assert.Contains(new HistoryRow("updated", $"custom_fields.{order}", "A-1", null, false), rows);
        Assert.Contains(new HistoryRow("updated", $"custom_fields.{plan}", null, "[\"free\",\"gold\"]", false), rows);
        Assert.Contains(new HistoryRow("updated", $"custom_fields.{risk}", null, "churn likely", true), rows);

        var seenByCustomer = (await asCustomer.GetOkAsync($"/tickets/{ticket.Id()}/history")).Items().Select(h => h.GetProperty("field").GetString()).ToList();
        Assert.Contains($"custom_fields.{order}", seenByCustomer);
        Assert.DoesNotContain($"custom_fields.{risk}", seenByCustomer);
        var seenByAgent = (await agent.GetOkAsync($"/tickets/{ticket.Id()}/history")).Items().Select(h => h.GetProperty("field").GetString()).ToList();
        Assert.Contains($"custom_fields.{risk}", seenByAgent);
    }

    [Fact]
    public async Task Events_carry_what_each_audience_may_see_and_a_staff_only_change_reaches_staff_only()
    {
        var (order, _, risk) = await DefineAsync();
        var customer = await app.RegisterCustomerAsync();
        var agentUser = await app.CreateUserAsync("agent");
        using var agent = app.ClientFor(agentUser);
        await using var customerSocket = await WsClient.ConnectAsync(fixture.Server.WebSocketUri, customer.Token);
        await using var staffSocket = await WsClient.ConnectAsync(fixture.Server.WebSocketUri, agentUser.Token);

        var ticket = (await agent.CreateTicketAsync(new
        {
            title = "T", description = "d", requester_id = customer.Id,
            custom_fields = new Dictionary<string, object> { [order] = "A-1", [risk] = "secret-risk-1" },
        })).Id();
        await agent.PatchJsonAsync($"/tickets/{ticket}", new { custom_fields = new Dictionary<string, object> { [risk] = "secret-risk-2" } });
        await agent.PatchJsonAsync($"/tickets/{ticket}", new { custom_fields = new Dictionary<string, object> { [order] = "A-2" } });

        var created = await customerSocket.NextForTicketAsync(ticket);
        Assert.Equal("ticket.created", Type(created));
        Assert.Equal("A-1", created.GetProperty("data").GetProperty("custom_fields").Str(order));
        // Events arrive in commit order: the next one being the order change proves the risk change never came.
        var updated = await customerSocket.NextMatchingAsync(m => m.GetProperty("ticket_id").GetGuid() == ticket && Type(m) == "ticket.updated");
        var change = updated.GetProperty("data").GetProperty("changes")[0];
        Assert.Equal(($"custom_fields.{order}", "A-1", "A-2"), (change.Str("field"), change.Str("old"), change.Str("new")));
        Assert.DoesNotContain("secret-risk", created.GetRawText() + updated.GetRawText());

        var staffUpdates = new List<JsonElement>();
        while (staffUpdates.Count < 2)
        {
            var message = await staffSocket.NextForTicketAsync(ticket);
            if (Type(message) == "ticket.updated")
                staffUpdates.Add(message);
        }
        Assert.Equal($"custom_fields.{risk}", staffUpdates[0].GetProperty("data").GetProperty("changes")[0].Str("field"));
        Assert.Equal("secret-risk-2", staffUpdates[0].GetProperty("data").GetProperty("ticket").GetProperty("custom_fields").Str(risk));
        Assert.Equal($"custom_fields.{order}", staffUpdates[1].GetProperty("data").GetProperty("changes")[0].Str("field"));
    }

    [Fact]
    public async Task Text_values_customers_may_see_are_searchable_staff_only_ones_are_not()
    {
        var (order, _, risk) = await DefineAsync();
        var customer = await app.RegisterCustomerAsync();
        using var asCustomer = app.ClientFor(customer);
        using var agent = app.ClientFor(await app.CreateUserAsync("agent"));
        var word = $"zq{Guid.NewGuid():N}"[..14];
        var hidden = $"zh{Guid.NewGuid():N}"[..14];
        var ticket = (await agent.CreateTicketAsync(new
        {
            title = "Parcel", description = "d", requester_id = customer.Id,
            custom_fields = new Dictionary<string, object> { [order] = word, [risk] = hidden },
        })).Id();

        Assert.Equal([ticket], (await asCustomer.GetOkAsync($"/tickets?q={word}")).Ids());
        Assert.Equal([ticket], (await agent.GetOkAsync($"/tickets?q={word}")).Ids());
        Assert.Empty((await asCustomer.GetOkAsync($"/tickets?q={hidden}")).Ids());

        // A changed value replaces the old one in the vector.
        var newer = $"zn{Guid.NewGuid():N}"[..14];
        await asCustomer.PatchJsonAsync($"/tickets/{ticket}", new { custom_fields = new Dictionary<string, object> { [order] = newer } });
        Assert.Equal([ticket], (await asCustomer.GetOkAsync($"/tickets?q={newer}")).Ids());
        Assert.Empty((await asCustomer.GetOkAsync($"/tickets?q={word}")).Ids());
    }
}

/// <summary>Templates are global, so the template test changes them in a database of its own.</summary>
public sealed class CustomFieldEmailTests(IsolatedFieldsApp app) : IClassFixture<IsolatedFieldsApp>
{
    [Fact]
    public async Task Templates_read_fields_by_key_and_each_recipient_gets_only_what_they_may_see()
    {
        var (_, admin) = await app.UserAsync("admin");
        var (agentUser, agent) = await app.UserAsync("agent");
        var (customerUser, customer) = await app.UserAsync("customer");
        await admin.CreateFieldAsync(new { key = "order_number", label = "Order", type = "text", customer_visible = true });
        await admin.CreateFieldAsync(new { key = "plan", label = "Plan", type = "dropdown", options = new[] { new { value = "gold", label = "Gold plan" } }, customer_visible = true });
        await admin.CreateFieldAsync(new { key = "risk", label = "Risk", type = "text" });
        const string body = "Order {{ fields.order_number }} plan {{ fields.plan }} risk {{ fields.risk | default: 'none' }}";
        foreach (var key in new[] { "ticket_status_changed", "ticket_assigned" })
        {
            var saved = await admin.PutAsJsonAsync($"/email-templates/{key}", new { subject = "About {{ fields.order_number }}", html_body = $"<p>{body}</p>", text_body = body, is_active = true });
            Assert.True(saved.StatusCode == HttpStatusCode.OK, await saved.Content.ReadAsStringAsync());
        }
        var preview = await (await admin.PostAsJsonAsync("/email-templates/ticket_status_changed/preview", new { })).JsonAsync();
        Assert.Contains("Order A-1042", preview.Str("text_body"));

        var ticket = await customer.CreateTicketAsync(new { title = "T", description = "d" });
        Assert.Equal(HttpStatusCode.OK, (await agent.PatchJsonAsync($"/tickets/{ticket.Id()}", new
        {
            status = "in_progress", assignee_id = agentUser.Id,
            custom_fields = new { order_number = "A-77", plan = "gold", risk = "high-risk-note" },
        })).StatusCode);
        // The assignee is the agent themself, so assign them again from another staff account to get their email.
        var (_, other) = await app.UserAsync("agent");
        var (secondUser, _) = await app.UserAsync("agent");
        await other.PostAsJsonAsync($"/tickets/{ticket.Id()}/assign", new { assignee_id = secondUser.Id });

        await using var db = await app.OpenConnectionAsync();
        var rows = (await db.QueryAsync<(string TemplateKey, Guid RecipientId, string Subject, string TextBody)>(
            "SELECT template_key, recipient_id, subject, text_body FROM email_outbox WHERE ticket_id = @id AND template_key IN ('ticket_status_changed', 'ticket_assigned')",
            new { id = ticket.Id() })).ToList();
        var toCustomer = rows.Single(r => r.TemplateKey == "ticket_status_changed");
        Assert.Equal(customerUser.Id, toCustomer.RecipientId);
        Assert.Contains("About A-77", toCustomer.Subject);
        Assert.Equal("Order A-77 plan Gold plan risk none", toCustomer.TextBody);
        var toAgent = rows.Single(r => r.TemplateKey == "ticket_assigned" && r.RecipientId == secondUser.Id);
        Assert.Equal("Order A-77 plan Gold plan risk high-risk-note", toAgent.TextBody);
    }
}
