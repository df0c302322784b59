using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Dapper;

namespace SupportDesk.Tests.Features.Groups;

/// <summary>
/// An agent restricted to their groups sees and works only their groups' tickets, the ones assigned to them and their own,
/// on every route that carries ticket content; anything else is the 404 a customer gets. Sockets on a second instance.
/// </summary>
public sealed class RestrictedAgentTests(AppFixture app, RealtimeServerFixture fixture) : IClassFixture<RealtimeServerFixture>
{
    private sealed record Desk(HttpClient Admin, TestUser Restricted, HttpClient AsRestricted, Guid Group, Guid OtherGroup,
        Guid InGroup, Guid InOtherGroup, Guid Assigned, Guid Loose, string Word);

    private async Task<TestUser> RestrictedAgentAsync(HttpClient admin)
    {
        var agent = await app.CreateUserAsync("agent");
        var patched = await (await admin.PatchAsJsonAsync($"/users/{agent.Id}", new { restricted_to_groups = true })).JsonAsync();
        Assert.True(patched.GetProperty("restricted_to_groups").GetBoolean());
        return agent;
    }

    /// <summary>Four tickets of one customer, all with one rare word: in the agent's group, in another, assigned to the agent, in none.</summary>
    private async Task<Desk> DeskAsync()
    {
        var admin = app.ClientFor(await app.CreateUserAsync("admin"));
        var restricted = await RestrictedAgentAsync(admin);
        var customer = await app.RegisterCustomerAsync();
        var group = await admin.CreateGroupAsync(restricted);
        var otherGroup = await admin.CreateGroupAsync();
        var word = "zq" + Guid.NewGuid().ToString("N")[..10];
        async Task<Guid> Ticket(string title, Guid? groupId) =>
            (await admin.CreateTicketAsync(new { title = $"{title} {word}", description = $"about {word}", requester_id = customer.Id, group_id = groupId })).Id();
        var inGroup = await Ticket("Mine by group", group);
        var inOther = await Ticket("Other group", otherGroup);
        var assigned = await Ticket("Assigned", null);
        var loose = await Ticket("Loose", null);
        (await admin.PostAsJsonAsync($"/tickets/{assigned}/assign", new { assignee_id = restricted.Id })).EnsureSuccessStatusCode();
        return new Desk(admin, restricted, app.ClientFor(restricted), group, otherGroup, inGroup, inOther, assigned, loose, word);
    }

    [Fact]
    public async Task Lists_search_and_global_search_show_only_the_groups_and_assigned_tickets()
    {
        var d = await DeskAsync();
        var expected = new[] { d.InGroup, d.Assigned }.Order().ToArray();

        var list = await d.AsRestricted.GetOkAsync($"/tickets?q={d.Word}&limit=100");
        Assert.Equal(expected, list.Ids().Order().ToArray());
        Assert.Equal(2, list.GetProperty("total").GetInt32());
        Assert.Empty((await d.AsRestricted.GetOkAsync($"/tickets?group_id={d.OtherGroup}")).Ids());

        // Comments carry the word too: the one on the other group's ticket must not surface.
        await d.Admin.AddCommentAsync(d.InOtherGroup, $"private note {d.Word}", "private");
        await d.Admin.AddCommentAsync(d.InGroup, $"reply {d.Word}");
        var global = await d.AsRestricted.GetOkAsync($"/search/global?query={d.Word}&limit=50");
        var ticketHits = global.Items().Where(i => i.Str("type") == "ticket").Select(i => i.Id()).Distinct().Order().ToArray();
        Assert.Equal(expected, ticketHits);
        Assert.DoesNotContain("Other group", global.GetRawText());
        Assert.DoesNotContain("private note", global.GetRawText());

        // An unrestricted agent sees all four.
        using var agent = app.ClientFor(await app.CreateUserAsync("agent"));
        Assert.Equal(4, (await agent.GetOkAsync($"/tickets?q={d.Word}")).GetProperty("total").GetInt32());
    }

    [Fact]
    public async Task Another_groups_ticket_is_404_on_every_ticket_route_and_nothing_is_written()
    {
        var d = await DeskAsync();
        var other = d.InOtherGroup;
        var number = (await d.Admin.GetTicketAsync(other)).GetProperty("number").GetInt64();
        var file = (await d.Admin.UploadAsync(other, ("secret.txt", AttachmentTestData.Text())))[0];
        await d.Admin.CommentWithAsync(other, "public", file.Id());
        var c = d.AsRestricted;

        foreach (var response in new[]
                 {
                     await c.GetAsync($"/tickets/{other}"), await c.GetAsync($"/tickets/by-number/{number}"),
                     await c.GetAsync($"/tickets/{other}/comments"), await c.GetAsync($"/tickets/{other}/history"),
                     await c.GetAsync($"/tickets/{other}/attachments"), await c.GetAsync($"/attachments/{file.Id()}"),
                     await c.PatchJsonAsync($"/tickets/{other}", new { title = "taken" }),
                     await c.PostAsJsonAsync($"/tickets/{other}/comments", new { content = "hi", comment_type = "public" }),
                     await c.PostAsJsonAsync($"/tickets/{other}/assign", new { assignee_id = d.Restricted.Id }),
                     await c.UploadRawAsync(other, ("x.txt", AttachmentTestData.Text())),
                 })
            await response.AssertProblemAsync(HttpStatusCode.NotFound);

        await using var db = await app.OpenConnectionAsync();
        Assert.Null(await db.ExecuteScalarAsync<Guid?>("SELECT assignee_id FROM tickets WHERE id = @other", new { other }));
        Assert.Equal(0, await db.ExecuteScalarAsync<int>("SELECT count(*) FROM comments WHERE ticket_id = @other AND author_id = @Id", new { other, d.Restricted.Id }));

        // Their own group's and assigned tickets work as for any agent.
        Assert.Equal(HttpStatusCode.OK, (await c.GetAsync($"/tickets/{d.InGroup}")).StatusCode);
        Assert.Equal(HttpStatusCode.Created, (await c.PostAsJsonAsync($"/tickets/{d.Assigned}/comments", new { content = "on it", comment_type = "private" })).StatusCode);
    }

    [Fact]
    public async Task Membership_and_restriction_changes_apply_on_the_next_request()
    {
        var d = await DeskAsync();
        await (await d.AsRestricted.GetAsync($"/tickets/{d.InOtherGroup}")).AssertProblemAsync(HttpStatusCode.NotFound);

        (await d.Admin.PutAsync($"/groups/{d.OtherGroup}/members/{d.Restricted.Id}", null)).EnsureSuccessStatusCode();
        Assert.Equal(HttpStatusCode.OK, (await d.AsRestricted.GetAsync($"/tickets/{d.InOtherGroup}")).StatusCode);

        (await d.Admin.DeleteAsync($"/groups/{d.OtherGroup}/members/{d.Restricted.Id}")).EnsureSuccessStatusCode();
        await (await d.AsRestricted.GetAsync($"/tickets/{d.InOtherGroup}")).AssertProblemAsync(HttpStatusCode.NotFound);

        // Moving a ticket out of the group, or unassigning it, takes it away at once.
        (await d.Admin.PatchJsonAsync($"/tickets/{d.InGroup}", new { group_id = d.OtherGroup })).EnsureSuccessStatusCode();
        await (await d.AsRestricted.GetAsync($"/tickets/{d.InGroup}")).AssertProblemAsync(HttpStatusCode.NotFound);

        (await d.Admin.PatchAsJsonAsync($"/users/{d.Restricted.Id}", new { restricted_to_groups = false })).EnsureSuccessStatusCode();
        Assert.Equal(HttpStatusCode.OK, (await d.AsRestricted.GetAsync($"/tickets/{d.Loose}")).StatusCode);
        Assert.Equal(4, (await d.AsRestricted.GetOkAsync($"/tickets?q={d.Word}")).GetProperty("total").GetInt32());
    }

    [Fact]
    public async Task A_stored_notification_leaves_once_its_ticket_is_taken_away()
    {
        var d = await DeskAsync();
        // Assigning told the agent (a notification about the ticket).
        var before = await d.AsRestricted.GetOkAsync("/notifications");
        Assert.Contains(before.Items(), n => n.GetProperty("ticket_id").GetGuid() == d.Assigned);

        var someoneElse = await app.CreateUserAsync("agent");
        (await d.Admin.PostAsJsonAsync($"/tickets/{d.Assigned}/assign", new { assignee_id = someoneElse.Id })).EnsureSuccessStatusCode();

        var after = await d.AsRestricted.GetOkAsync("/notifications");
        Assert.DoesNotContain(after.Items(), n => n.GetProperty("ticket_id").GetGuid() == d.Assigned);
        await using var db = await app.OpenConnectionAsync();
        Assert.Equal(1, await db.ExecuteScalarAsync<int>("SELECT count(*) FROM notifications WHERE user_id = @Id AND ticket_id = @Assigned",
            new { d.Restricted.Id, d.Assigned }));
    }

    [Fact]
    public async Task Sockets_hear_only_about_visible_tickets_and_follow_membership_changes()
    {
        var d = await DeskAsync();
        await using var socket = await WsClient.ConnectAsync(fixture.Server.WebSocketUri, d.Restricted.Token);

        await socket.SendJsonAsync(new { action = "subscribe", ticket_id = d.InOtherGroup });
        var refused = await socket.NextAsync();
        Assert.Equal(("error", "not_found"), (refused.Str("type"), refused.Str("code")));

        // Events in commit order: the other group's comment first, then ours; the first to arrive must be ours.
        await d.Admin.AddCommentAsync(d.InOtherGroup, "not for you");
        await d.Admin.AddCommentAsync(d.InGroup, "for you");
        var first = await socket.NextAsync();
        Assert.Equal(d.InGroup, first.GetProperty("ticket_id").GetGuid());

        // Joining the other group lets its events through once the monitor has seen the membership (NOTIFY).
        (await d.Admin.PutAsync($"/groups/{d.OtherGroup}/members/{d.Restricted.Id}", null)).EnsureSuccessStatusCode();
        JsonElement heard = default;
        for (var attempt = 0; attempt < 50 && heard.ValueKind == JsonValueKind.Undefined; attempt++)
        {
            await d.Admin.AddCommentAsync(d.InOtherGroup, $"attempt {attempt}");
            try
            {
                heard = await socket.NextMatchingAsync(m => m.TryGetProperty("ticket_id", out var t) && t.ValueKind == JsonValueKind.String
                                                            && t.GetGuid() == d.InOtherGroup, TimeSpan.FromSeconds(1));
            }
            catch (TimeoutException)
            {
            }
        }
        Assert.Equal(JsonValueKind.Object, heard.ValueKind);
    }
}
