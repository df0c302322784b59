using System.Net.Http.Json;
using System.Text.Json;
using Dapper;
using Microsoft.Extensions.DependencyInjection;
using SupportDesk.Infrastructure.Sla;

namespace SupportDesk.Tests.Features.Sla;

/// <summary>
/// The breach job on two instances over one database (the shared test app and a Kestrel instance): each warning and
/// breach happens exactly once, with its event, history row, notification and email.
/// </summary>
public sealed class SlaBreachTests(AppFixture app, RealtimeServerFixture fixture) : IClassFixture<RealtimeServerFixture>
{
    private static string Type(JsonElement message) => message.GetProperty("type").GetString()!;

    private async Task<(HttpClient Agent, TestUser AgentUser, TestUser Customer, Guid Ticket)> TicketWithPolicyAsync(bool assign = true)
    {
        using var admin = app.ClientFor(await app.CreateUserAsync("admin"));
        var agentUser = await app.CreateUserAsync("agent");
        var agent = app.ClientFor(agentUser);
        var customer = await app.RegisterCustomerAsync();
        var tag = SlaPolicyTestData.UniqueTag();
        await admin.CreatePolicyAsync(SlaPolicyTestData.ForTag(tag, [SlaPolicyTestData.Targets("high", firstReply: 600, resolution: 6000)]));
        var ticket = (await app.ClientFor(customer).CreateTicketAsync(new { title = "Breach me", description = "x", priority = "high", tags = new[] { tag } })).Id();
        if (assign)
            await agent.PostAsJsonAsync($"/tickets/{ticket}/assign", new { assignee_id = agentUser.Id });
        return (agent, agentUser, customer, ticket);
    }

    private async Task DueInAsync(Guid ticket, string target, TimeSpan fromNow)
    {
        await using var db = await app.OpenConnectionAsync();
        await db.ExecuteAsync("UPDATE ticket_sla_targets SET due_at = now() + @fromNow WHERE ticket_id = @ticket AND target = @target",
            new { ticket, target, fromNow });
    }

    private async Task RunBothInstancesAsync()
    {
        var one = app.Factory.Services.GetRequiredService<SlaBreachJob>();
        var two = fixture.Server.Services.GetRequiredService<SlaBreachJob>();
        Assert.NotSame(one, two);
        await Task.WhenAll(Enumerable.Range(0, 3).SelectMany(_ => new[] { one.RunOnceAsync(default), two.RunOnceAsync(default) }));
    }

    private async Task<(int Events, int History, int Notifications, int Emails, int Realtime)> CountsAsync(Guid ticket, string kind, Guid recipient)
    {
        var (type, template, field) = kind == "breach"
            ? ("ticket.sla_breached", "sla_breached", "sla_breached")
            : ("ticket.sla_warning", "sla_warning", "sla_warning");
        await using var db = await app.OpenConnectionAsync();
        return await db.QuerySingleAsync<(int, int, int, int, int)>("""
            SELECT (SELECT count(*)::int FROM sla_events WHERE ticket_id = @ticket AND kind = @kind AND target = 'first_reply'),
                   (SELECT count(*)::int FROM ticket_history WHERE ticket_id = @ticket AND field = @field AND is_private),
                   (SELECT count(*)::int FROM notifications WHERE ticket_id = @ticket AND type = @type AND user_id = @recipient),
                   (SELECT count(*)::int FROM email_outbox WHERE ticket_id = @ticket AND template_key = @template AND recipient_id = @recipient),
                   (SELECT count(*)::int FROM realtime_events WHERE ticket_id = @ticket AND type = @type AND staff_only)
            """, new { ticket, kind, type, template, field, recipient });
    }

    [Fact]
    public async Task A_breach_is_told_exactly_once_across_two_instances_and_to_staff_only()
    {
        var (agent, agentUser, customer, ticket) = await TicketWithPolicyAsync();
        await using var staffSocket = await WsClient.ConnectAsync(fixture.Server.WebSocketUri, agentUser.Token);
        await using var customerSocket = await WsClient.ConnectAsync(fixture.Server.WebSocketUri, customer.Token);
        await DueInAsync(ticket, "first_reply", TimeSpan.FromMinutes(-1));

        await RunBothInstancesAsync();
        await RunBothInstancesAsync();

        Assert.Equal((1, 1, 1, 1, 1), await CountsAsync(ticket, "breach", agentUser.Id));
        var seen = await staffSocket.NextMatchingAsync(m => Type(m) == "ticket.sla_breached");
        Assert.Equal(ticket, seen.GetProperty("ticket_id").GetGuid());
        Assert.Equal("first_reply", seen.GetProperty("data").GetProperty("target").GetString());

        var shown = await agent.GetTicketAsync(ticket);
        Assert.Equal(["first_reply"], shown.GetProperty("sla").GetProperty("breached").EnumerateArray().Select(b => b.GetString()));
        Assert.Contains(ticket, (await agent.GetOkAsync($"/tickets?sla_breached=true&assignee_id=me")).Ids());
        await using (var db = await app.OpenConnectionAsync())
        {
            var email = await db.QuerySingleAsync<string>("SELECT subject FROM email_outbox WHERE ticket_id = @ticket AND template_key = 'sla_breached'", new { ticket });
            Assert.EndsWith("] SLA breached: first_reply on Breach me", email);
        }

        // The customer's socket hears a later event of the ticket but never the breach.
        await agent.AddCommentAsync(ticket, "Sorry for the wait");
        var next = await customerSocket.NextMatchingAsync(m => m.GetProperty("ticket_id").ValueKind == JsonValueKind.String
                                                                && m.GetProperty("ticket_id").GetGuid() == ticket && Type(m) != "ticket.updated");
        Assert.NotEqual("ticket.sla_breached", Type(next));
        Assert.Equal("comment.created", Type(next));

        // The reply fulfils the target, late; nothing is breached any more.
        var after = await agent.GetTicketAsync(ticket);
        Assert.Equal(0, after.GetProperty("sla").GetProperty("breached").GetArrayLength());
        await using var check = await app.OpenConnectionAsync();
        Assert.True(await check.ExecuteScalarAsync<bool>(
            "SELECT late FROM sla_events WHERE ticket_id = @ticket AND target = 'first_reply' AND kind = 'fulfil'", new { ticket }));
    }

    [Fact]
    public async Task A_target_close_to_due_is_warned_once_then_breached_once()
    {
        var (_, agentUser, _, ticket) = await TicketWithPolicyAsync();
        await DueInAsync(ticket, "first_reply", TimeSpan.FromMinutes(5)); // inside the default 15-minute window

        await RunBothInstancesAsync();
        Assert.Equal((1, 1, 1, 1, 1), await CountsAsync(ticket, "warning", agentUser.Id));
        Assert.Equal((0, 0, 0, 0, 0), await CountsAsync(ticket, "breach", agentUser.Id));

        await DueInAsync(ticket, "first_reply", TimeSpan.FromSeconds(-1));
        await RunBothInstancesAsync();
        Assert.Equal((1, 1, 1, 1, 1), await CountsAsync(ticket, "warning", agentUser.Id));
        Assert.Equal((1, 1, 1, 1, 1), await CountsAsync(ticket, "breach", agentUser.Id));
    }

    [Fact]
    public async Task An_unassigned_tickets_breach_goes_to_the_admins()
    {
        var admin = await app.CreateUserAsync("admin");
        var (_, agentUser, _, ticket) = await TicketWithPolicyAsync(assign: false);
        await DueInAsync(ticket, "first_reply", TimeSpan.FromMinutes(-10));

        await RunBothInstancesAsync();

        // Each instance's own background run may hold the claim when ours look (SKIP LOCKED passes it by); it commits
        // the breach a moment later, so wait for it, then check it was told exactly once.
        var deadline = DateTime.UtcNow.AddSeconds(15);
        while ((await CountsAsync(ticket, "breach", admin.Id)).Events == 0 && DateTime.UtcNow < deadline)
            await Task.Delay(100);
        var (events, history, notifications, emails, realtime) = await CountsAsync(ticket, "breach", admin.Id);
        Assert.Equal((1, 1, 1, 1, 1), (events, history, notifications, emails, realtime));
        Assert.Equal(0, (await CountsAsync(ticket, "breach", agentUser.Id)).Notifications);
    }

    [Fact]
    public async Task A_paused_target_is_never_breached()
    {
        var (agent, agentUser, _, ticket) = await TicketWithPolicyAsync();
        await DueInAsync(ticket, "first_reply", TimeSpan.FromMinutes(-1));
        Assert.Equal(System.Net.HttpStatusCode.OK, (await agent.PatchJsonAsync($"/tickets/{ticket}", new { status = "pending" })).StatusCode);

        await RunBothInstancesAsync();

        Assert.Equal(0, (await CountsAsync(ticket, "breach", agentUser.Id)).Events);
    }
}
