using System.Net.Http.Headers;
using System.Net.Http.Json;
using Dapper;
using MimeKit;

namespace SupportDesk.Tests.Features.Inbound;

/// <summary>A ticket opened by mail is routed like one opened over the API, and by the address the mail was sent to.</summary>
[Collection(InboundCollection.Name)]
public sealed class InboundRoutingTests(InboundFixture inbound)
{
    private async Task<(Guid Id, HttpClient Client)> StaffAsync(string role)
    {
        var email = AppFixture.UniqueEmail(role);
        var password = $"pw-{Guid.NewGuid():N}";
        var id = Guid.CreateVersion7();
        await using (var db = await inbound.OpenAsync())
            await db.ExecuteAsync("INSERT INTO users (id, email, password_hash, first_name, last_name, role) VALUES (@id, @email, @hash, 'Test', @role, @role)",
                new { id, email, hash = BCrypt.Net.BCrypt.HashPassword(password, 4), role });
        var client = inbound.Factory.CreateClient();
        var login = await client.PostAsJsonAsync("/auth/login", new { email, password });
        login.EnsureSuccessStatusCode();
        var token = (await login.Content.ReadFromJsonAsync<AuthBody>(TestJson.Options))!.AccessToken;
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
        return (id, client);
    }

    [Fact]
    public async Task A_rule_on_inbound_address_routes_a_ticket_opened_by_mail_to_that_address_into_its_group()
    {
        var (_, admin) = await StaffAsync("admin");
        var (agentId, _) = await StaffAsync("agent");
        var group = (await (await admin.PostAsJsonAsync("/groups", new { name = $"Billing {Guid.NewGuid():N}" })).JsonAsync()).Id();
        (await admin.PutAsync($"/groups/{group}/members/{agentId}", null)).EnsureSuccessStatusCode();
        (await admin.PatchAsJsonAsync($"/groups/{group}", new { assignment_mode = "round_robin" })).EnsureSuccessStatusCode();
        // An address of the accepted domain help.supportdesk.test, written as a mail server might (upper case).
        var billing = $"billing-{Guid.NewGuid():N}@help.supportdesk.test";
        var rule = await admin.PostAsJsonAsync("/routing-rules",
            new { name = "Billing mail", position = 0, inbound_address = billing, set_group_id = group, set_priority = "high", add_tags = new[] { "billing" } });
        rule.EnsureSuccessStatusCode();
        var ruleId = (await rule.JsonAsync()).Id();

        var toBilling = InboundMail.Message(InboundMail.NewAddress("payer"), "Invoice is wrong", "Charged twice.", to: billing.ToUpperInvariant());
        var toSupport = InboundMail.Message(InboundMail.NewAddress("payer"), "Printer again", "Still smoking.");
        await inbound.SendAsync(toBilling);
        await inbound.SendAsync(toSupport);

        var routed = await inbound.WaitProcessedAsync(toBilling.MessageId);
        Assert.Equal(billing, (await admin.GetOkAsync($"/inbound-messages/{routed.Id}")).Str("recipient"));
        var ticket = await admin.GetOkAsync($"/tickets/{routed.TicketId}");
        Assert.Equal(group, ticket.GetProperty("group_id").GetGuid());
        Assert.Equal("high", ticket.Str("priority"));
        Assert.Contains("billing", ticket.GetProperty("tags").EnumerateArray().Select(t => t.GetString()));
        Assert.Equal(agentId, ticket.GetProperty("assignee_id").GetGuid());
        await using var db = await inbound.OpenAsync();
        Assert.Equal($"{ruleId} Billing mail", await db.ExecuteScalarAsync<string>(
            "SELECT new_value FROM ticket_history WHERE ticket_id = @TicketId AND action = 'routed'", new { routed.TicketId }));

        // Mail to another of our addresses is not caught by that rule.
        var plain = await inbound.WaitProcessedAsync(toSupport.MessageId);
        var other = await db.QuerySingleAsync<(Guid? GroupId, string Priority)>("SELECT group_id, priority FROM tickets WHERE id = @TicketId", new { plain.TicketId });
        Assert.Equal((null, "medium"), other);
    }

    [Fact]
    public async Task Mail_fetched_without_an_envelope_is_routed_by_the_address_in_its_headers()
    {
        var (_, admin) = await StaffAsync("admin");
        var group = (await (await admin.PostAsJsonAsync("/groups", new { name = $"Sales {Guid.NewGuid():N}" })).JsonAsync()).Id();
        var sales = $"sales-{Guid.NewGuid():N}@help.supportdesk.test";
        (await admin.PostAsJsonAsync("/routing-rules", new { name = "Sales mail", position = 0, inbound_address = sales, set_group_id = group })).EnsureSuccessStatusCode();

        // As a mailbox holds it: the list address in To, the address it was delivered for in Delivered-To.
        var mail = InboundMail.Message(InboundMail.NewAddress("buyer"), "Quote please", "Ten printers.", to: "team@lists.example.test");
        mail.Headers.Add("Delivered-To", sales);
        await inbound.AppendToImapAsync(mail);

        var row = await inbound.WaitProcessedAsync(mail.MessageId);
        Assert.Equal("imap", row.Source);
        var ticket = await admin.GetOkAsync($"/tickets/{row.TicketId}");
        Assert.Equal(group, ticket.GetProperty("group_id").GetGuid());
    }
}
