using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Dapper;

namespace SupportDesk.Tests.Features.Organizations;

/// <summary>
/// Members of a shared organization read each other's tickets on every path (never private comments), reply only with
/// shared_comments, change nothing; and lose all of it the moment they leave or the organization stops sharing.
/// </summary>
public sealed class SharedOrganizationTests(AppFixture app, RealtimeServerFixture fixture) : IClassFixture<RealtimeServerFixture>
{
    private sealed record Scene(
        HttpClient Admin, HttpClient Agent, TestUser Requester, TestUser Colleague, TestUser Outsider, TestUser Loner,
        Guid OrganizationId, Guid TicketId, long Number, string Word, string Secret, Guid PublicFile, Guid PrivateFile) : IDisposable
    {
        public void Dispose()
        {
            Admin.Dispose();
            Agent.Dispose();
        }
    }

    /// <summary>A requester and a colleague in one shared organization, an outsider in another, a loner in none; the
    /// requester's ticket has a public reply with a file and a private note with a file.</summary>
    private async Task<Scene> SceneAsync(bool sharedComments = false)
    {
        var admin = app.ClientFor(await app.CreateUserAsync("admin"));
        var agent = app.ClientFor(await app.CreateUserAsync("agent"));
        var organization = await admin.CreateOrganizationAsync(shared: true, sharedComments: sharedComments);
        var other = await admin.CreateOrganizationAsync(shared: true, sharedComments: true);
        var requester = await app.RegisterCustomerAsync();
        var colleague = await app.RegisterCustomerAsync();
        var outsider = await app.RegisterCustomerAsync();
        var loner = await app.RegisterCustomerAsync();
        await admin.AddMemberAsync(organization.Id(), requester.Id);
        await admin.AddMemberAsync(organization.Id(), colleague.Id);
        await admin.AddMemberAsync(other.Id(), outsider.Id);

        var word = SearchTestData.Word();
        var secret = SearchTestData.Word();
        using var asRequester = app.ClientFor(requester);
        var ticket = await asRequester.CreateTicketAsync(new { title = $"Invoices missing {word}", description = "Since Monday." });
        var publicFile = (await agent.UploadAsync(ticket.Id(), ("answer.txt", AttachmentTestData.Text())))[0].Id();
        await agent.CommentWithAsync(ticket.Id(), "public", publicFile);
        var privateFile = (await agent.UploadAsync(ticket.Id(), ("note.txt", AttachmentTestData.Text(120))))[0].Id();
        var note = await agent.PostAsJsonAsync($"/tickets/{ticket.Id()}/comments", new { content = $"Internal {secret}", comment_type = "private", attachment_ids = new[] { privateFile } });
        Assert.Equal(HttpStatusCode.Created, note.StatusCode);
        return new Scene(admin, agent, requester, colleague, outsider, loner, organization.Id(), ticket.Id(),
            ticket.GetProperty("number").GetInt64(), word, secret, publicFile, privateFile);
    }

    [Fact]
    public async Task A_colleague_reads_the_ticket_on_every_path_but_never_its_private_comments()
    {
        using var s = await SceneAsync();
        using var colleague = app.ClientFor(s.Colleague);

        Assert.Equal(s.TicketId, (await colleague.GetOkAsync($"/tickets/{s.TicketId}")).Id());
        Assert.Equal(s.TicketId, (await colleague.GetOkAsync($"/tickets/by-number/{s.Number}")).Id());
        Assert.Contains(s.TicketId, (await colleague.GetOkAsync("/tickets?limit=100")).Ids());
        Assert.Contains(s.TicketId, (await colleague.GetOkAsync($"/tickets?q={s.Word}")).Ids());
        Assert.Contains(s.TicketId, (await colleague.GetOkAsync($"/tickets?requester_id={s.Requester.Id}")).Ids());
        Assert.Contains((await colleague.GlobalSearchAsync(s.Word)).Items(), h => h.Str("type") == "ticket" && h.Id() == s.TicketId);
        Assert.DoesNotContain((await colleague.GlobalSearchAsync(s.Secret)).Items(), h => h.Id() == s.TicketId);

        var comments = (await colleague.GetOkAsync($"/tickets/{s.TicketId}/comments")).Items().ToList();
        Assert.Single(comments);
        Assert.Equal("public", comments[0].Str("comment_type"));
        var history = (await colleague.GetOkAsync($"/tickets/{s.TicketId}/history?limit=100")).Items().ToList();
        Assert.DoesNotContain(history, h => h.GetProperty("new_value").ValueKind == JsonValueKind.String && h.Str("new_value").Contains(s.PrivateFile.ToString()));
        Assert.True(history.Count < (await s.Admin.GetOkAsync($"/tickets/{s.TicketId}/history?limit=100")).Items().Count());

        var files = await (await colleague.GetAsync($"/tickets/{s.TicketId}/attachments")).JsonAsync();
        var fileIds = (files.ValueKind == JsonValueKind.Array ? files.EnumerateArray() : files.Items()).Select(f => f.Id()).ToList();
        Assert.Equal([s.PublicFile], fileIds);
        Assert.Equal(HttpStatusCode.OK, (await colleague.GetAsync($"/attachments/{s.PublicFile}")).StatusCode);
        await (await colleague.GetAsync($"/attachments/{s.PrivateFile}")).AssertProblemAsync(HttpStatusCode.NotFound);

        // Reading is all: no reply without shared_comments, no changes, no files for a reply.
        await (await colleague.PostAsJsonAsync($"/tickets/{s.TicketId}/comments", new { content = "Me too", comment_type = "public" }))
            .AssertProblemAsync(HttpStatusCode.Forbidden);
        await (await colleague.PatchJsonAsync($"/tickets/{s.TicketId}", new { title = "Hijacked" })).AssertProblemAsync(HttpStatusCode.Forbidden);
        await (await colleague.PatchJsonAsync($"/tickets/{s.TicketId}", new { status = "closed" })).AssertProblemAsync(HttpStatusCode.Forbidden);
        await (await colleague.UploadRawAsync(s.TicketId, ("x.txt", AttachmentTestData.Text()))).AssertProblemAsync(HttpStatusCode.Forbidden);
        await using var db = await app.OpenConnectionAsync();
        Assert.Equal(2, await db.ExecuteScalarAsync<int>("SELECT count(*) FROM comments WHERE ticket_id = @TicketId", new { s.TicketId }));
        Assert.StartsWith("Invoices missing", await db.ExecuteScalarAsync<string>("SELECT title FROM tickets WHERE id = @TicketId", new { s.TicketId }));
        Assert.Equal(0, await db.ExecuteScalarAsync<int>("SELECT count(*) FROM attachments WHERE ticket_id = @TicketId AND uploaded_by = @Id", new { s.TicketId, s.Colleague.Id }));
    }

    [Fact]
    public async Task Customers_of_another_organization_or_none_see_nothing_of_it()
    {
        using var s = await SceneAsync(sharedComments: true);
        foreach (var user in new[] { s.Outsider, s.Loner })
        {
            using var client = app.ClientFor(user);
            await (await client.GetAsync($"/tickets/{s.TicketId}")).AssertProblemAsync(HttpStatusCode.NotFound);
            await (await client.GetAsync($"/tickets/by-number/{s.Number}")).AssertProblemAsync(HttpStatusCode.NotFound);
            await (await client.GetAsync($"/tickets/{s.TicketId}/comments")).AssertProblemAsync(HttpStatusCode.NotFound);
            await (await client.GetAsync($"/tickets/{s.TicketId}/history")).AssertProblemAsync(HttpStatusCode.NotFound);
            await (await client.GetAsync($"/tickets/{s.TicketId}/attachments")).AssertProblemAsync(HttpStatusCode.NotFound);
            await (await client.GetAsync($"/attachments/{s.PublicFile}")).AssertProblemAsync(HttpStatusCode.NotFound);
            await (await client.PostAsJsonAsync($"/tickets/{s.TicketId}/comments", new { content = "Hi", comment_type = "public" })).AssertProblemAsync(HttpStatusCode.NotFound);
            Assert.DoesNotContain(s.TicketId, (await client.GetOkAsync($"/tickets?q={s.Word}")).Ids());
            Assert.DoesNotContain((await client.GlobalSearchAsync(s.Word)).Items(), h => h.Id() == s.TicketId);
        }
    }

    [Fact]
    public async Task With_shared_comments_a_colleague_replies_publicly_but_never_privately()
    {
        using var s = await SceneAsync(sharedComments: true);
        using var colleague = app.ClientFor(s.Colleague);

        var file = (await colleague.UploadAsync(s.TicketId, ("screenshot.txt", AttachmentTestData.Text())))[0].Id();
        var reply = await colleague.CommentWithAsync(s.TicketId, "public", file);
        Assert.Equal(s.Colleague.Id, reply.GetProperty("author_id").GetGuid());
        await (await colleague.PostAsJsonAsync($"/tickets/{s.TicketId}/comments", new { content = "Psst", comment_type = "private" }))
            .AssertProblemAsync(HttpStatusCode.Forbidden);
        await (await colleague.PatchJsonAsync($"/tickets/{s.TicketId}", new { title = "Hijacked" })).AssertProblemAsync(HttpStatusCode.Forbidden);

        using var requester = app.ClientFor(s.Requester);
        Assert.Contains((await requester.GetOkAsync($"/tickets/{s.TicketId}/comments")).Items(), c => c.Id() == reply.Id());
        Assert.Equal(HttpStatusCode.OK, (await requester.GetAsync($"/attachments/{file}")).StatusCode);
        await using var db = await app.OpenConnectionAsync();
        Assert.Equal(1, await db.ExecuteScalarAsync<int>("SELECT count(*) FROM comments WHERE ticket_id = @TicketId AND author_id = @Id AND comment_type = 'public'", new { s.TicketId, s.Colleague.Id }));

        // The requester is told of the colleague's reply, as of a reply from the team: a notification and an email.
        // Both replies (the agent's in the scene, the colleague's) carry the same text: two of each, where one would mean
        // only the team's reply was told.
        Assert.Equal(2, await db.ExecuteScalarAsync<int>(
            "SELECT count(*) FROM notifications WHERE user_id = @Id AND ticket_id = @TicketId AND body = 'See the attached files'", new { s.Requester.Id, s.TicketId }));
        Assert.Equal(2, await db.ExecuteScalarAsync<int>(
            "SELECT count(*) FROM email_outbox WHERE recipient_id = @Id AND ticket_id = @TicketId AND template_key = 'comment_added'", new { s.Requester.Id, s.TicketId }));
        Assert.Contains((await requester.GetOkAsync("/notifications?limit=100")).Items(), n => n.Str("body") == "See the attached files");
        Assert.Equal(0, await db.ExecuteScalarAsync<int>("SELECT count(*) FROM notifications WHERE user_id = @Id AND ticket_id = @TicketId", new { s.Colleague.Id, s.TicketId }));
    }

    [Fact]
    public async Task Leaving_the_organization_or_unsharing_it_ends_access_at_once()
    {
        using var s = await SceneAsync(sharedComments: true);
        using var colleague = app.ClientFor(s.Colleague);
        var notification = Guid.CreateVersion7();
        await using (var db = await app.OpenConnectionAsync())
            await db.ExecuteAsync("INSERT INTO notifications (id, user_id, type, title, body, ticket_id) VALUES (@notification, @Id, 'comment.created', 'New reply', 'Body', @TicketId)",
                new { notification, s.Colleague.Id, s.TicketId });

        async Task AssertSeesAsync(bool sees, string when)
        {
            var status = (await colleague.GetAsync($"/tickets/{s.TicketId}")).StatusCode;
            Assert.True((sees ? HttpStatusCode.OK : HttpStatusCode.NotFound) == status, $"{when}: GET ticket {(int)status}");
            Assert.True(sees == (await colleague.GetOkAsync($"/tickets?q={s.Word}")).Ids().Contains(s.TicketId), $"{when}: list");
            Assert.True(sees == (await colleague.GlobalSearchAsync(s.Word)).Items().Any(h => h.Id() == s.TicketId), $"{when}: global search");
            Assert.True(sees == ((await colleague.GetAsync($"/attachments/{s.PublicFile}")).StatusCode == HttpStatusCode.OK), $"{when}: attachment");
            Assert.True(sees == (await colleague.GetOkAsync("/notifications?limit=100")).Ids().Contains(notification), $"{when}: stored notification");
            var comment = await colleague.PostAsJsonAsync($"/tickets/{s.TicketId}/comments", new { content = $"{when}", comment_type = "public" });
            Assert.True((sees ? HttpStatusCode.Created : HttpStatusCode.NotFound) == comment.StatusCode, $"{when}: comment {(int)comment.StatusCode}");
        }

        await AssertSeesAsync(true, "member");
        Assert.Equal(HttpStatusCode.NoContent, (await s.Admin.DeleteAsync($"/organizations/{s.OrganizationId}/members/{s.Colleague.Id}")).StatusCode);
        await AssertSeesAsync(false, "removed");
        await s.Admin.AddMemberAsync(s.OrganizationId, s.Colleague.Id);
        await AssertSeesAsync(true, "back");
        Assert.Equal(HttpStatusCode.OK, (await s.Admin.PatchJsonAsync($"/organizations/{s.OrganizationId}", new { shared = false })).StatusCode);
        await AssertSeesAsync(false, "unshared");
        Assert.Equal(HttpStatusCode.OK, (await s.Admin.PatchJsonAsync($"/organizations/{s.OrganizationId}", new { shared = true })).StatusCode);
        await AssertSeesAsync(true, "shared again");
        Assert.Equal(HttpStatusCode.OK, (await s.Admin.PatchJsonAsync($"/organizations/{s.OrganizationId}", new { shared_comments = false })).StatusCode);
        await (await colleague.PostAsJsonAsync($"/tickets/{s.TicketId}/comments", new { content = "read only now", comment_type = "public" }))
            .AssertProblemAsync(HttpStatusCode.Forbidden);
        var other = await s.Admin.CreateOrganizationAsync(shared: true, sharedComments: true);
        await s.Admin.AddMemberAsync(other.Id(), s.Colleague.Id);
        Assert.Equal(HttpStatusCode.NotFound, (await colleague.GetAsync($"/tickets/{s.TicketId}")).StatusCode);
        Assert.Equal(HttpStatusCode.NoContent, (await s.Admin.DeleteAsync($"/organizations/{other.Id()}")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await colleague.GetAsync($"/tickets/{s.TicketId}")).StatusCode);

        // The requester's own access never depended on the organization.
        using var requester = app.ClientFor(s.Requester);
        Assert.Equal(HttpStatusCode.OK, (await requester.GetAsync($"/tickets/{s.TicketId}")).StatusCode);
    }

    [Fact]
    public async Task A_colleagues_socket_hears_public_events_until_they_leave()
    {
        using var s = await SceneAsync();
        var server = fixture.Server;
        using var colleague = app.ClientFor(s.Colleague);
        using var outsider = app.ClientFor(s.Outsider);
        await using var colleagueSocket = await WsClient.ConnectAsync(server.WebSocketUri, s.Colleague.Token);
        await using var outsiderSocket = await WsClient.ConnectAsync(server.WebSocketUri, s.Outsider.Token);

        // Subscribing follows the REST rule.
        await colleagueSocket.SendJsonAsync(new { action = "subscribe", ticket_id = s.TicketId });
        Assert.Equal("subscribed", (await colleagueSocket.NextMatchingAsync(m => m.Str("type") is "subscribed" or "error")).Str("type"));
        await outsiderSocket.SendJsonAsync(new { action = "subscribe", ticket_id = s.TicketId });
        var refused = await outsiderSocket.NextMatchingAsync(m => m.Str("type") is "subscribed" or "error");
        Assert.Equal("not_found", refused.Str("code"));
        await colleagueSocket.SendJsonAsync(new { action = "unsubscribe", ticket_id = s.TicketId });
        await colleagueSocket.NextMatchingAsync(m => m.Str("type") == "unsubscribed");

        // Unsubscribed again: the socket hears every ticket the colleague may see, the colleague's own included.
        var reply = $"Public {Guid.NewGuid():N}";
        var note = $"Private {Guid.NewGuid():N}";
        await s.Agent.AddCommentAsync(s.TicketId, note, "private");
        await s.Agent.AddCommentAsync(s.TicketId, reply);
        var sentinel = (await colleague.CreateTicketAsync()).Id();
        var heard = await UntilAsync(colleagueSocket, m => m.Str("type") == "ticket.created" && TicketOf(m) == sentinel);
        Assert.Contains(heard, m => m.Str("type") == "comment.created" && m.GetProperty("data").GetRawText().Contains(reply));
        Assert.DoesNotContain(heard, m => m.GetRawText().Contains(note));
        var outsiderSentinel = (await outsider.CreateTicketAsync()).Id();
        var outsiderHeard = await UntilAsync(outsiderSocket, m => m.Str("type") == "ticket.created" && TicketOf(m) == outsiderSentinel);
        Assert.DoesNotContain(outsiderHeard, m => TicketOf(m) == s.TicketId);

        // Out of the organization: the same open socket no longer hears the requester's ticket.
        Assert.Equal(HttpStatusCode.NoContent, (await s.Admin.DeleteAsync($"/organizations/{s.OrganizationId}/members/{s.Colleague.Id}")).StatusCode);
        var after = $"After {Guid.NewGuid():N}";
        await WaitUntilMovedAsync(s.Colleague.Id);
        await s.Agent.AddCommentAsync(s.TicketId, after);
        var sentinel2 = (await colleague.CreateTicketAsync()).Id();
        var heardAfter = await UntilAsync(colleagueSocket, m => m.Str("type") == "ticket.created" && TicketOf(m) == sentinel2);
        Assert.DoesNotContain(heardAfter, m => TicketOf(m) == s.TicketId);
    }

    // The removal reaches open sockets through NOTIFY and a user check; a ticket of the colleague's own, created after
    // it, is the point from which nothing about the old organization's tickets may arrive.
    private async Task WaitUntilMovedAsync(Guid userId)
    {
        await using var db = await app.OpenConnectionAsync();
        Assert.Null(await db.ExecuteScalarAsync<Guid?>("SELECT organization_id FROM users WHERE id = @userId", new { userId }));
        var monitor = (Microsoft.Extensions.DependencyInjection.ServiceProviderServiceExtensions
            .GetRequiredService<SupportDesk.Infrastructure.Realtime.RealtimeUserMonitor>(fixture.Server.Services));
        await monitor.CheckAsync(CancellationToken.None);
    }

    private static Guid? TicketOf(JsonElement message) =>
        message.TryGetProperty("ticket_id", out var t) && t.ValueKind == JsonValueKind.String ? t.GetGuid() : null;

    private static async Task<List<JsonElement>> UntilAsync(WsClient socket, Func<JsonElement, bool> last)
    {
        var messages = new List<JsonElement>();
        while (true)
        {
            var message = await socket.NextAsync();
            messages.Add(message);
            if (last(message))
                return messages;
        }
    }
}
