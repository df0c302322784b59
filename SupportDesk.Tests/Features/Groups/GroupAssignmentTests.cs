using System.Net;
using System.Net.Http.Json;
using Dapper;

namespace SupportDesk.Tests.Features.Groups;

/// <summary>Automatic assignment inside a group, over HTTP, on the test server and a second real instance.</summary>
public sealed class GroupAssignmentTests(AppFixture app)
{
    private async Task<(HttpClient Admin, TestUser Customer)> DeskAsync() =>
        (app.ClientFor(await app.CreateUserAsync("admin")), await app.RegisterCustomerAsync());

    private static async Task<Guid> GroupAsync(HttpClient admin, string mode, params TestUser[] members)
    {
        var id = await admin.CreateGroupAsync(members);
        var patched = await (await admin.PatchAsJsonAsync($"/groups/{id}", new { assignment_mode = mode })).JsonAsync();
        Assert.Equal(mode, patched.Str("assignment_mode"));
        return id;
    }

    private static async Task<Guid?> CreateInAsync(HttpClient client, Guid group, TestUser customer)
    {
        var response = await client.PostAsJsonAsync("/tickets", new { title = "Needs someone", description = "x", requester_id = customer.Id, group_id = group });
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        var body = await response.JsonAsync();
        return body.GetProperty("assignee_id").ValueKind == System.Text.Json.JsonValueKind.Null ? null : body.GetProperty("assignee_id").GetGuid();
    }

    [Fact]
    public async Task Two_hundred_parallel_creates_over_two_instances_split_50_50_50_50_with_round_robin()
    {
        var (admin, customer) = await DeskAsync();
        var agents = new[] { await app.CreateUserAsync("agent"), await app.CreateUserAsync("agent"), await app.CreateUserAsync("agent"), await app.CreateUserAsync("agent") };
        var group = await GroupAsync(admin, "round_robin", agents);
        await using var second = await KestrelApp.StartAsync(app.Database.Url);
        using var viaSecond = second.CreateClient();
        viaSecond.DefaultRequestHeaders.Authorization = admin.DefaultRequestHeaders.Authorization;

        // A few at a time per instance: the cluster is shared, and waiting creates each hold a connection.
        using var gate = new SemaphoreSlim(8);
        var assignees = await Task.WhenAll(Enumerable.Range(0, 200).Select(async i =>
        {
            await gate.WaitAsync();
            try
            {
                return await CreateInAsync(i % 2 == 0 ? admin : viaSecond, group, customer);
            }
            finally
            {
                gate.Release();
            }
        }));

        Assert.All(assignees, a => Assert.NotNull(a));
        await using var db = await app.OpenConnectionAsync();
        var counts = (await db.QueryAsync<(Guid Assignee, long Count)>(
            "SELECT assignee_id, count(*) FROM tickets WHERE group_id = @group GROUP BY assignee_id", new { group })).ToDictionary(r => r.Assignee, r => r.Count);
        Assert.Equal(agents.Select(a => a.Id).Order(), counts.Keys.Order());
        Assert.All(counts.Values, c => Assert.Equal(50, c));
        // Each assignment wrote its history row.
        Assert.Equal(200, await db.ExecuteScalarAsync<long>("""
            SELECT count(*) FROM ticket_history h JOIN tickets t ON t.id = h.ticket_id
            WHERE t.group_id = @group AND h.action = 'assigned' AND h.new_value = t.assignee_id::text
            """, new { group }));
    }

    [Fact]
    public async Task Away_and_full_agents_are_skipped_and_nobody_free_leaves_the_ticket_unassigned()
    {
        var (admin, customer) = await DeskAsync();
        var away = await app.CreateUserAsync("agent");
        var full = await app.CreateUserAsync("agent");
        var free = await app.CreateUserAsync("agent");
        var group = await GroupAsync(admin, "round_robin", away, full, free);

        var set = await (await app.ClientFor(away).PutAsJsonAsync("/me/availability", new { availability = "away" })).JsonAsync();
        Assert.Equal("away", set.Str("availability"));
        var capped = await (await admin.PatchAsJsonAsync($"/users/{full.Id}", new { max_open_tickets = 1 })).JsonAsync();
        Assert.Equal(1, capped.GetProperty("max_open_tickets").GetInt32());
        var held = (await admin.CreateTicketAsync(new { title = "held", description = "x", requester_id = customer.Id })).Id();
        (await admin.PostAsJsonAsync($"/tickets/{held}/assign", new { assignee_id = full.Id })).EnsureSuccessStatusCode();

        for (var i = 0; i < 3; i++)
            Assert.Equal(free.Id, await CreateInAsync(admin, group, customer));

        // Everyone away or full: the ticket is filed unassigned.
        (await app.ClientFor(free).PutAsJsonAsync("/me/availability", new { availability = "away" })).EnsureSuccessStatusCode();
        Assert.Null(await CreateInAsync(admin, group, customer));

        // Back online, and the full one's ticket resolved: both take turns again.
        (await app.ClientFor(free).PutAsJsonAsync("/me/availability", new { availability = "online" })).EnsureSuccessStatusCode();
        (await admin.PatchJsonAsync($"/tickets/{held}", new { status = "resolved" })).EnsureSuccessStatusCode();
        var next = new[] { await CreateInAsync(admin, group, customer), await CreateInAsync(admin, group, customer) };
        Assert.Equal(new Guid?[] { full.Id, free.Id }.Order(), next.Order());

        // Clearing the limit with null.
        var cleared = await (await admin.PatchAsJsonAsync($"/users/{full.Id}", new { max_open_tickets = (int?)null })).JsonAsync();
        Assert.Equal(System.Text.Json.JsonValueKind.Null, cleared.GetProperty("max_open_tickets").ValueKind);
    }

    [Fact]
    public async Task Least_open_picks_the_member_with_fewest_open_tickets_and_manual_assigns_nobody()
    {
        var (admin, customer) = await DeskAsync();
        var busy = await app.CreateUserAsync("agent");
        var idle = await app.CreateUserAsync("agent");
        var group = await GroupAsync(admin, "least_open", busy, idle);
        for (var i = 0; i < 2; i++)
        {
            var t = (await admin.CreateTicketAsync(new { title = "busy", description = "x", requester_id = customer.Id })).Id();
            (await admin.PostAsJsonAsync($"/tickets/{t}/assign", new { assignee_id = busy.Id })).EnsureSuccessStatusCode();
        }

        Assert.Equal(idle.Id, await CreateInAsync(admin, group, customer));
        Assert.Equal(idle.Id, await CreateInAsync(admin, group, customer));
        // Now two each: the tie goes by turn.
        var third = await CreateInAsync(admin, group, customer);
        Assert.Contains(third!.Value, new[] { busy.Id, idle.Id });

        var manual = await admin.CreateGroupAsync(busy, idle);
        Assert.Null(await CreateInAsync(admin, manual, customer));
        // An explicit group with an assignee given later is a normal ticket: assignment happened at create only.
        await using var db = await app.OpenConnectionAsync();
        Assert.Equal(0, await db.ExecuteScalarAsync<long>("SELECT count(*) FROM tickets WHERE group_id = @manual AND assignee_id IS NOT NULL", new { manual }));
    }

    [Fact]
    public async Task Parallel_creates_into_two_groups_never_push_an_agent_over_capacity()
    {
        var (admin, customer) = await DeskAsync();
        var agent = await app.CreateUserAsync("agent");
        (await admin.PatchAsJsonAsync($"/users/{agent.Id}", new { max_open_tickets = 2 })).EnsureSuccessStatusCode();
        var first = await GroupAsync(admin, "round_robin", agent);
        var second = await GroupAsync(admin, "least_open", agent);
        await using var other = await KestrelApp.StartAsync(app.Database.Url);
        using var viaOther = other.CreateClient();
        viaOther.DefaultRequestHeaders.Authorization = admin.DefaultRequestHeaders.Authorization;

        var results = await Task.WhenAll(Enumerable.Range(0, 20).Select(i =>
            CreateInAsync(i % 2 == 0 ? admin : viaOther, i % 4 < 2 ? first : second, customer)));

        Assert.Equal(2, results.Count(r => r == agent.Id));
        await using var db = await app.OpenConnectionAsync();
        Assert.Equal(2, await db.ExecuteScalarAsync<long>("SELECT count(*) FROM tickets WHERE assignee_id = @Id", new { agent.Id }));
        Assert.Equal(20, await db.ExecuteScalarAsync<long>("SELECT count(*) FROM tickets WHERE group_id = ANY(@ids)", new { ids = new[] { first, second } }));
    }

    [Fact]
    public async Task Moving_an_unassigned_ticket_into_a_round_robin_group_assigns_it_by_turn_and_capacity_with_history_and_events()
    {
        var (admin, customer) = await DeskAsync();
        var first = await app.CreateUserAsync("agent");
        var second = await app.CreateUserAsync("agent");
        var full = await app.CreateUserAsync("agent");
        (await admin.PatchAsJsonAsync($"/users/{full.Id}", new { max_open_tickets = 1 })).EnsureSuccessStatusCode();
        var held = (await admin.CreateTicketAsync(new { title = "held", description = "x", requester_id = customer.Id })).Id();
        (await admin.PostAsJsonAsync($"/tickets/{held}/assign", new { assignee_id = full.Id })).EnsureSuccessStatusCode();
        var group = await GroupAsync(admin, "round_robin", first, second, full);
        var manual = await admin.CreateGroupAsync(first, second);

        async Task<(Guid Ticket, Guid? Assignee)> MoveAsync(Guid target, string? status = null)
        {
            var ticket = (await admin.CreateTicketAsync(new { title = "Filed without a team", description = "x", requester_id = customer.Id })).Id();
            if (status is not null)
                (await admin.PatchJsonAsync($"/tickets/{ticket}", new { status })).EnsureSuccessStatusCode();
            var moved = await admin.PatchJsonAsync($"/tickets/{ticket}", new { group_id = target });
            Assert.Equal(HttpStatusCode.OK, moved.StatusCode);
            var body = await moved.JsonAsync();
            Assert.Equal(target, body.GetProperty("group_id").GetGuid());
            return (ticket, body.GetProperty("assignee_id").ValueKind == System.Text.Json.JsonValueKind.Null ? null : body.GetProperty("assignee_id").GetGuid());
        }

        // The two free members take turns; the full one is skipped, as on create.
        var moves = new[] { await MoveAsync(group), await MoveAsync(group), await MoveAsync(group), await MoveAsync(group) };
        var expected = new[] { first.Id, second.Id }.Order().ToArray();
        Assert.Equal([.. expected, .. expected], moves.Select(m => m.Assignee!.Value));
        // The turn is the group's, shared with creates.
        Assert.Equal(expected[0], await CreateInAsync(admin, group, customer));

        await using var db = await app.OpenConnectionAsync();
        var (ticket, assignee) = moves[0];
        Assert.Equal(assignee, await db.ExecuteScalarAsync<Guid?>("SELECT assignee_id FROM tickets WHERE id = @ticket", new { ticket }));
        Assert.Equal(["group_id", "assignee_id"], (await db.QueryAsync<string>(
            "SELECT field FROM ticket_history WHERE ticket_id = @ticket AND field IN ('group_id', 'assignee_id') ORDER BY created_at, field DESC", new { ticket })).ToArray());
        Assert.Equal(assignee.ToString(), await db.ExecuteScalarAsync<string>(
            "SELECT data->>'assignee_id' FROM realtime_events WHERE ticket_id = @ticket AND type = 'ticket.assigned'", new { ticket }));
        Assert.Equal(1, await db.ExecuteScalarAsync<long>("SELECT count(*) FROM notifications WHERE user_id = @assignee AND ticket_id = @ticket", new { assignee, ticket }));

        // A manual group, a solved ticket, or a ticket that already has an assignee: nobody is picked.
        Assert.Null((await MoveAsync(manual)).Assignee);
        Assert.Null((await MoveAsync(group, status: "resolved")).Assignee);
        var mine = (await admin.CreateTicketAsync(new { title = "Mine", description = "x", requester_id = customer.Id })).Id();
        var kept = await (await admin.PatchJsonAsync($"/tickets/{mine}", new { group_id = group, assignee_id = full.Id })).JsonAsync();
        Assert.Equal(full.Id, kept.GetProperty("assignee_id").GetGuid());
    }

    [Fact]
    public async Task Availability_is_for_staff_and_validated()
    {
        var customer = await app.RegisterCustomerAsync();
        var agent = await app.CreateUserAsync("agent");
        await (await app.ClientFor(customer).PutAsJsonAsync("/me/availability", new { availability = "away" })).AssertProblemAsync(HttpStatusCode.Forbidden);
        await (await app.ClientFor(agent).PutAsJsonAsync("/me/availability", new { availability = "busy" })).AssertProblemAsync(HttpStatusCode.BadRequest);
        await (await app.ClientFor(agent).PutAsJsonAsync("/me/availability", new { })).AssertProblemAsync(HttpStatusCode.BadRequest, "availability");
        var admin = app.ClientFor(await app.CreateUserAsync("admin"));
        await (await admin.PatchAsJsonAsync($"/users/{agent.Id}", new { max_open_tickets = 0 })).AssertProblemAsync(HttpStatusCode.BadRequest, "max_open_tickets");
        await (await admin.PatchAsJsonAsync($"/groups/{await admin.CreateGroupAsync()}", new { assignment_mode = "random" })).AssertProblemAsync(HttpStatusCode.BadRequest);
    }
}
