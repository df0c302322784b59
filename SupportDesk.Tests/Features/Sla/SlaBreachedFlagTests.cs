using Dapper;
using Microsoft.Extensions.DependencyInjection;
using SupportDesk.Infrastructure.Sla;

namespace SupportDesk.Tests.Features.Sla;

/// <summary>
/// tickets.sla_breached (M20261205150000) stays exactly "an unfulfilled target is breached" through every change of the
/// clock, and the breach job's flag leaves the ticket's updated_at and ETag (version) as they were.
/// </summary>
public sealed class SlaBreachedFlagTests(AppFixture app)
{
    private sealed record State(bool Flag, bool Exists, DateTime UpdatedAt, int Version);

    private async Task<State> StateAsync(Guid ticket)
    {
        await using var db = await app.OpenConnectionAsync();
        return await db.QuerySingleAsync<State>("""
            SELECT t.sla_breached AS flag,
                   EXISTS (SELECT 1 FROM ticket_sla_targets st WHERE st.ticket_id = t.id AND st.fulfilled_at IS NULL AND st.breached_at IS NOT NULL) AS exists,
                   t.updated_at, t.version
            FROM tickets t WHERE t.id = @ticket
            """, new { ticket });
    }

    private async Task<State> ExpectAsync(Guid ticket, bool breached)
    {
        var state = await StateAsync(ticket);
        Assert.Equal(breached, state.Exists);
        Assert.Equal(breached, state.Flag);
        return state;
    }

    private async Task BreachAsync(Guid ticket, string target)
    {
        await using (var db = await app.OpenConnectionAsync())
            Assert.Equal(1, await db.ExecuteAsync(
                "UPDATE ticket_sla_targets SET due_at = now() - interval '1 minute' WHERE ticket_id = @ticket AND target = @target AND fulfilled_at IS NULL",
                new { ticket, target }));
        await app.Factory.Services.GetRequiredService<SlaBreachJob>().RunOnceAsync(default);
    }

    [Fact]
    public async Task The_flag_follows_create_breach_pause_reply_resolve_reopen_and_priority_changes()
    {
        using var admin = app.ClientFor(await app.CreateUserAsync("admin"));
        var agentUser = await app.CreateUserAsync("agent");
        var agent = app.ClientFor(agentUser);
        var customer = app.ClientFor(await app.RegisterCustomerAsync());
        var tag = SlaPolicyTestData.UniqueTag();
        await admin.CreatePolicyAsync(SlaPolicyTestData.ForTag(tag, [
            SlaPolicyTestData.Targets("high", firstReply: 600, resolution: 6000),
            SlaPolicyTestData.Targets("low", firstReply: 1200, resolution: 9000)]));
        var ticket = (await customer.CreateTicketAsync(new { title = "Flag me", description = "x", priority = "high", tags = new[] { tag } })).Id();
        await ExpectAsync(ticket, false);

        // The job's breach sets the flag, but the ticket itself did not change: same updated_at, same ETag.
        var before = await StateAsync(ticket);
        await BreachAsync(ticket, "first_reply");
        var breached = await ExpectAsync(ticket, true);
        Assert.Equal(before.UpdatedAt, breached.UpdatedAt);
        Assert.Equal(before.Version, breached.Version);
        Assert.Contains(ticket, (await agent.GetOkAsync($"/tickets?sla_breached=true&tag={tag}")).Ids());
        Assert.DoesNotContain(ticket, (await agent.GetOkAsync($"/tickets?sla_breached=false&tag={tag}")).Ids());

        // Pending pauses but does not fulfil: still breached; back to open likewise.
        (await agent.PatchJsonAsync($"/tickets/{ticket}", new { status = "pending" })).EnsureSuccessStatusCode();
        await ExpectAsync(ticket, true);
        (await agent.PatchJsonAsync($"/tickets/{ticket}", new { status = "open" })).EnsureSuccessStatusCode();
        await ExpectAsync(ticket, true);

        // The staff reply fulfils first_reply (late): nothing breached any more.
        await agent.AddCommentAsync(ticket, "Here we are");
        await ExpectAsync(ticket, false);
        Assert.DoesNotContain(ticket, (await agent.GetOkAsync($"/tickets?sla_breached=true&tag={tag}")).Ids());
        Assert.Contains(ticket, (await agent.GetOkAsync($"/tickets?sla_breached=false&tag={tag}")).Ids());

        // Resolution breached, then resolving fulfils it; reopening starts a fresh, unbreached cycle.
        await BreachAsync(ticket, "resolution");
        await ExpectAsync(ticket, true);
        (await agent.PatchJsonAsync($"/tickets/{ticket}", new { status = "resolved" })).EnsureSuccessStatusCode();
        await ExpectAsync(ticket, false);
        (await customer.PatchJsonAsync($"/tickets/{ticket}", new { status = "open" })).EnsureSuccessStatusCode();
        await ExpectAsync(ticket, false);

        // A breach, then a priority change re-evaluates the policy: the flag is whatever the targets say after it.
        await BreachAsync(ticket, "resolution");
        await ExpectAsync(ticket, true);
        (await agent.PatchJsonAsync($"/tickets/{ticket}", new { priority = "low" })).EnsureSuccessStatusCode();
        var afterChange = await StateAsync(ticket);
        Assert.Equal(afterChange.Exists, afterChange.Flag);

        // Leaving every policy cancels the targets: not breached.
        (await agent.PatchJsonAsync($"/tickets/{ticket}", new { tags = new[] { "no-policy-" + tag } })).EnsureSuccessStatusCode();
        await ExpectAsync(ticket, false);
    }

    [Fact]
    public async Task The_queue_order_is_nearest_due_first_and_tickets_without_one_last()
    {
        using var admin = app.ClientFor(await app.CreateUserAsync("admin"));
        var agent = app.ClientFor(await app.CreateUserAsync("agent"));
        var customer = app.ClientFor(await app.RegisterCustomerAsync());
        var tag = SlaPolicyTestData.UniqueTag();
        await admin.CreatePolicyAsync(SlaPolicyTestData.ForTag(tag, [SlaPolicyTestData.Targets("high", resolution: 600)]));
        var late = (await customer.CreateTicketAsync(new { title = "Later", description = "x", priority = "high", tags = new[] { tag } })).Id();
        var none = (await customer.CreateTicketAsync(new { title = "None", description = "x", priority = "low", tags = new[] { tag } })).Id();
        var soon = (await customer.CreateTicketAsync(new { title = "Soon", description = "x", priority = "high", tags = new[] { tag } })).Id();
        await using (var db = await app.OpenConnectionAsync())
            await db.ExecuteAsync("UPDATE tickets SET sla_due_at = now() + interval '1 hour' WHERE id = @soon", new { soon });

        Assert.Equal([soon, late, none], (await agent.GetOkAsync($"/tickets?tag={tag}&sort=sla_due_at")).Ids());
        Assert.Equal([late, soon, none], (await agent.GetOkAsync($"/tickets?tag={tag}&sort=sla_due_at&order=desc")).Ids());
    }
}
