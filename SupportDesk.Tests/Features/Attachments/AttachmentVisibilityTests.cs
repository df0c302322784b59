using System.Net;
using System.Net.Http.Json;
using Dapper;

namespace SupportDesk.Tests.Features.Attachments;

/// <summary>Who may see an attachment: exactly who may see its comment (or, before a comment carries it, its uploader).</summary>
public sealed class AttachmentVisibilityTests(AppFixture app)
{
    [Fact]
    public async Task A_file_on_a_public_comment_is_seen_by_the_requester_and_staff_and_404_to_another_customer()
    {
        var owner = await app.RegisterCustomerAsync();
        using var asOwner = app.ClientFor(owner);
        using var asStranger = app.ClientFor(await app.RegisterCustomerAsync());
        using var asAgent = app.ClientFor(await app.CreateUserAsync("agent"));
        var ticket = await asOwner.CreateTicketAsync();
        var bytes = AttachmentTestData.Png(2000);

        var uploaded = (await asOwner.UploadAsync(ticket.Id(), ("screenshot.png", bytes))).Single();
        Assert.Equal("image/png", uploaded.Str("content_type"));
        Assert.Equal(bytes.Length, uploaded.GetProperty("size").GetInt64());
        Assert.Equal(AttachmentTestData.Sha256(bytes), uploaded.Str("sha256"));
        Assert.Equal(owner.Id, uploaded.GetProperty("uploaded_by").GetGuid());
        // Random ids (version 4), not time-ordered ones another id could point to.
        Assert.Equal(4, uploaded.Id().Version);

        // Not yet on a comment: its uploader's (and staff's) only.
        Assert.Equal(HttpStatusCode.OK, (await asOwner.GetAsync($"/attachments/{uploaded.Id()}")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await asStranger.GetAsync($"/attachments/{uploaded.Id()}")).StatusCode);

        var comment = await asOwner.CommentWithAsync(ticket.Id(), "public", uploaded.Id());
        Assert.Equal([uploaded.Id()], comment.GetProperty("attachments").EnumerateArray().Select(a => a.Id()));

        foreach (var client in new[] { asOwner, asAgent })
        {
            var response = await client.GetAsync($"/attachments/{uploaded.Id()}");
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            Assert.Equal(bytes, await response.Content.ReadAsByteArrayAsync());
        }
        var miss = await asStranger.GetAsync($"/attachments/{uploaded.Id()}");
        var unknown = await asStranger.GetAsync($"/attachments/{Guid.NewGuid()}");
        var missBody = await miss.AssertProblemAsync(HttpStatusCode.NotFound);
        var unknownBody = await unknown.AssertProblemAsync(HttpStatusCode.NotFound);
        // The same 404 whatever the reason, so nobody can tell an existing file from a made-up id.
        Assert.Equal(unknownBody.Str("detail"), missBody.Str("detail"));
        Assert.Equal(HttpStatusCode.NotFound, (await asStranger.GetAsync($"/tickets/{ticket.Id()}/attachments")).StatusCode);

        var comments = await asAgent.GetOkAsync($"/tickets/{ticket.Id()}/comments");
        Assert.Equal(uploaded.Id(), comments.Items().Single().GetProperty("attachments")[0].Id());

        // The history says a file was added, with its comment.
        var history = await asOwner.GetOkAsync($"/tickets/{ticket.Id()}/history");
        Assert.Contains(history.Items(), h => h.Str("action") == "attachment_added" && h.Str("new_value").StartsWith(uploaded.Id().ToString()));
    }

    [Fact]
    public async Task A_file_on_a_private_comment_is_404_to_the_customer_everywhere()
    {
        var owner = await app.RegisterCustomerAsync();
        using var asOwner = app.ClientFor(owner);
        using var asAgent = app.ClientFor(await app.CreateUserAsync("agent"));
        var ticket = await asOwner.CreateTicketAsync();

        var file = (await asAgent.UploadAsync(ticket.Id(), ("internal-notes.txt", AttachmentTestData.Text(300)))).Single();
        // An agent's pending upload is not the customer's to see either.
        Assert.Equal(HttpStatusCode.NotFound, (await asOwner.GetAsync($"/attachments/{file.Id()}")).StatusCode);
        var comment = await asAgent.CommentWithAsync(ticket.Id(), "private", file.Id());
        Assert.Single(comment.GetProperty("attachments").EnumerateArray());

        Assert.Equal(HttpStatusCode.NotFound, (await asOwner.GetAsync($"/attachments/{file.Id()}")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await asAgent.GetAsync($"/attachments/{file.Id()}")).StatusCode);
        var list = await (await asOwner.GetAsync($"/tickets/{ticket.Id()}/attachments")).Content.ReadAsStringAsync();
        Assert.DoesNotContain(file.Id().ToString(), list);
        var comments = await (await asOwner.GetAsync($"/tickets/{ticket.Id()}/comments")).Content.ReadAsStringAsync();
        Assert.DoesNotContain(file.Id().ToString(), comments);
        var history = await (await asOwner.GetAsync($"/tickets/{ticket.Id()}/history")).Content.ReadAsStringAsync();
        Assert.DoesNotContain(file.Id().ToString(), history);
        Assert.DoesNotContain("internal-notes", history);
        var agentList = await asAgent.GetOkAsync($"/tickets/{ticket.Id()}/attachments");
        Assert.Contains(agentList.EnumerateArray(), a => a.Id() == file.Id());
    }

    [Fact]
    public async Task A_deleted_tickets_files_are_404_to_everyone()
    {
        var owner = await app.RegisterCustomerAsync();
        using var asOwner = app.ClientFor(owner);
        using var asAdmin = app.ClientFor(await app.CreateUserAsync("admin"));
        var ticket = await asOwner.CreateTicketAsync();
        var file = (await asOwner.UploadAsync(ticket.Id(), ("invoice.pdf", "%PDF-1.7\n%\u00e2\u00e3\n1 0 obj\n"u8.ToArray()))).Single();
        Assert.Equal("application/pdf", file.Str("content_type"));
        await asOwner.CommentWithAsync(ticket.Id(), "public", file.Id());

        Assert.Equal(HttpStatusCode.NoContent, (await asAdmin.DeleteAsync($"/tickets/{ticket.Id()}")).StatusCode);
        foreach (var client in new[] { asOwner, asAdmin })
            await (await client.GetAsync($"/attachments/{file.Id()}")).AssertProblemAsync(HttpStatusCode.NotFound);
        await (await asOwner.UploadRawAsync(ticket.Id(), ("more.txt", AttachmentTestData.Text()))).AssertProblemAsync(HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task A_comment_may_only_carry_the_callers_own_waiting_uploads_to_the_same_ticket()
    {
        var owner = await app.RegisterCustomerAsync();
        using var asOwner = app.ClientFor(owner);
        using var asAgent = app.ClientFor(await app.CreateUserAsync("agent"));
        var ticket = await asOwner.CreateTicketAsync();
        var other = await asOwner.CreateTicketAsync();
        var agentsFile = (await asAgent.UploadAsync(ticket.Id(), ("guide.txt", AttachmentTestData.Text()))).Single();
        var otherTicketsFile = (await asOwner.UploadAsync(other.Id(), ("other.txt", AttachmentTestData.Text()))).Single();
        var mine = (await asOwner.UploadAsync(ticket.Id(), ("mine.txt", AttachmentTestData.Text()))).Single();

        foreach (var (id, index) in new[] { (agentsFile.Id(), 1), (otherTicketsFile.Id(), 1), (Guid.NewGuid(), 1) })
        {
            var response = await asOwner.PostAsJsonAsync($"/tickets/{ticket.Id()}/comments", new { content = "files", attachment_ids = new[] { mine.Id(), id } });
            await response.AssertProblemAsync(HttpStatusCode.BadRequest, $"attachment_ids[{index}]");
        }
        // Nothing was written by the refusals: the comment and the link went together.
        await using var db = await app.OpenConnectionAsync();
        Assert.Equal(0, await db.ExecuteScalarAsync<long>("SELECT count(*) FROM comments WHERE ticket_id = @id", new { id = ticket.Id() }));
        Assert.Null(await db.ExecuteScalarAsync<Guid?>("SELECT comment_id FROM attachments WHERE id = @id", new { id = mine.Id() }));

        // An upload past its lifetime is not linked, even before the cleanup has deleted it.
        var stale = (await asOwner.UploadAsync(ticket.Id(), ("stale.txt", AttachmentTestData.Text())))[0];
        await db.ExecuteAsync("UPDATE attachments SET created_at = now() - interval '30 days' WHERE id = @id", new { id = stale.Id() });
        var late = await asOwner.PostAsJsonAsync($"/tickets/{ticket.Id()}/comments", new { content = "late", attachment_ids = new[] { stale.Id() } });
        await late.AssertProblemAsync(HttpStatusCode.BadRequest, "attachment_ids[0]");

        await asOwner.CommentWithAsync(ticket.Id(), "public", mine.Id());
        // Once on a comment, it cannot move to another.
        var again = await asOwner.PostAsJsonAsync($"/tickets/{ticket.Id()}/comments", new { content = "again", attachment_ids = new[] { mine.Id() } });
        await again.AssertProblemAsync(HttpStatusCode.BadRequest, "attachment_ids[0]");
        // The old request shape still works.
        await asOwner.AddCommentAsync(ticket.Id(), "no files");
    }

    [Fact]
    public async Task Staff_remove_files_from_comments_with_a_history_row_and_customers_only_their_waiting_uploads()
    {
        var owner = await app.RegisterCustomerAsync();
        using var asOwner = app.ClientFor(owner);
        using var asAgent = app.ClientFor(await app.CreateUserAsync("agent"));
        var ticket = await asOwner.CreateTicketAsync();
        var onComment = (await asOwner.UploadAsync(ticket.Id(), ("wrong-file.txt", AttachmentTestData.Text())))[0];
        var waiting = (await asOwner.UploadAsync(ticket.Id(), ("draft.txt", AttachmentTestData.Text())))[0];
        var privateFile = (await asAgent.UploadAsync(ticket.Id(), ("internal.txt", AttachmentTestData.Text())))[0];
        await asOwner.CommentWithAsync(ticket.Id(), "public", onComment.Id());
        await asAgent.CommentWithAsync(ticket.Id(), "private", privateFile.Id());

        await (await asOwner.DeleteAsync($"/attachments/{onComment.Id()}")).AssertProblemAsync(HttpStatusCode.Forbidden);
        // A private comment's file does not exist for the customer, not even to be refused.
        await (await asOwner.DeleteAsync($"/attachments/{privateFile.Id()}")).AssertProblemAsync(HttpStatusCode.NotFound);
        Assert.Equal(HttpStatusCode.NoContent, (await asOwner.DeleteAsync($"/attachments/{waiting.Id()}")).StatusCode);
        Assert.Equal(HttpStatusCode.NoContent, (await asAgent.DeleteAsync($"/attachments/{onComment.Id()}")).StatusCode);
        Assert.Equal(HttpStatusCode.NoContent, (await asAgent.DeleteAsync($"/attachments/{privateFile.Id()}")).StatusCode);

        foreach (var id in new[] { onComment.Id(), waiting.Id(), privateFile.Id() })
            Assert.Equal(HttpStatusCode.NotFound, (await asAgent.GetAsync($"/attachments/{id}")).StatusCode);
        var comments = await asOwner.GetOkAsync($"/tickets/{ticket.Id()}/comments");
        Assert.All(comments.Items(), c => Assert.Equal(0, c.GetProperty("attachments").GetArrayLength()));

        var customerHistory = await asOwner.GetOkAsync($"/tickets/{ticket.Id()}/history");
        Assert.Contains(customerHistory.Items(), h => h.Str("action") == "attachment_removed" && h.Str("old_value") == $"{onComment.Id()} wrong-file.txt");
        Assert.DoesNotContain(customerHistory.Items(), h => h.Str("action") == "attachment_removed" && h.Str("old_value").StartsWith(privateFile.Id().ToString()));
        var agentHistory = await asAgent.GetOkAsync($"/tickets/{ticket.Id()}/history");
        Assert.Equal(2, agentHistory.Items().Count(h => h.Str("action") == "attachment_removed"));
    }

    [Fact]
    public async Task A_reply_email_lists_the_comments_files_and_private_files_are_never_mailed()
    {
        var owner = await app.RegisterCustomerAsync();
        using var asOwner = app.ClientFor(owner);
        using var asAgent = app.ClientFor(await app.CreateUserAsync("agent"));
        var ticket = await asOwner.CreateTicketAsync();
        var guide = (await asAgent.UploadAsync(ticket.Id(), ("setup-guide.pdf", "%PDF-1.7\n"u8.ToArray())))[0];
        var secret = (await asAgent.UploadAsync(ticket.Id(), ("secret-notes.txt", AttachmentTestData.Text())))[0];
        await asAgent.CommentWithAsync(ticket.Id(), "private", secret.Id());
        await asAgent.CommentWithAsync(ticket.Id(), "public", guide.Id());

        await using var db = await app.OpenConnectionAsync();
        var mails = (await db.QueryAsync<(string TemplateKey, string TextBody, string HtmlBody)>(
            "SELECT template_key, text_body, html_body FROM email_outbox WHERE ticket_id = @id", new { id = ticket.Id() })).AsList();
        var reply = Assert.Single(mails, m => m.TemplateKey == "comment_added");
        Assert.Contains("Attached files:", reply.TextBody);
        Assert.Contains("setup-guide.pdf", reply.TextBody);
        Assert.Contains("setup-guide.pdf", reply.HtmlBody);
        Assert.DoesNotContain(mails, m => m.TextBody.Contains("secret-notes") || m.HtmlBody.Contains("secret-notes"));
    }

    [Fact]
    public async Task A_ticket_opened_with_files_shows_them_to_whoever_sees_the_ticket()
    {
        var owner = await app.RegisterCustomerAsync();
        using var asOwner = app.ClientFor(owner);
        using var asStranger = app.ClientFor(await app.RegisterCustomerAsync());
        using var asAgent = app.ClientFor(await app.CreateUserAsync("agent"));

        var upload = await asOwner.PostAsync("/attachments", AttachmentTestData.Form(("error.png", AttachmentTestData.Png())));
        var text = await upload.Content.ReadAsStringAsync();
        Assert.True(upload.StatusCode == HttpStatusCode.Created, text);
        var file = System.Text.Json.JsonDocument.Parse(text).RootElement[0].Clone();
        Assert.Equal(System.Text.Json.JsonValueKind.Null, file.GetProperty("ticket_id").ValueKind);
        // Before its ticket exists, the upload is its uploader's alone.
        Assert.Equal(HttpStatusCode.OK, (await asOwner.GetAsync($"/attachments/{file.Id()}")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await asAgent.GetAsync($"/attachments/{file.Id()}")).StatusCode);

        // Someone else's upload cannot be taken into a ticket; the refusal opens no ticket.
        var theirs = await asStranger.PostAsync("/attachments", AttachmentTestData.Form(("theirs.txt", AttachmentTestData.Text())));
        var theirId = System.Text.Json.JsonDocument.Parse(await theirs.Content.ReadAsStringAsync()).RootElement[0].Id();
        var refused = await asOwner.PostAsJsonAsync("/tickets", new { title = "With someone else's file", description = "x", attachment_ids = new[] { theirId } });
        await refused.AssertProblemAsync(HttpStatusCode.BadRequest, "attachment_ids[0]");

        var ticket = await asOwner.CreateTicketAsync(new { title = "Error on checkout", description = "See the screenshot", attachment_ids = new[] { file.Id() } });
        var listed = await asAgent.GetOkAsync($"/tickets/{ticket.Id()}/attachments");
        var onTicket = Assert.Single(listed.EnumerateArray());
        Assert.True(onTicket.GetProperty("on_ticket").GetBoolean());
        Assert.Equal(ticket.Id(), onTicket.GetProperty("ticket_id").GetGuid());
        Assert.Equal(HttpStatusCode.OK, (await asAgent.GetAsync($"/attachments/{file.Id()}")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await asOwner.GetAsync($"/attachments/{file.Id()}")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await asStranger.GetAsync($"/attachments/{file.Id()}")).StatusCode);
        var history = await asOwner.GetOkAsync($"/tickets/{ticket.Id()}/history");
        Assert.Contains(history.Items(), h => h.Str("action") == "attachment_added" && h.Str("new_value") == $"{file.Id()} error.png");

        // A ticket's own file is part of it: not movable onto a comment, not removable by the customer, and kept by the cleanup.
        var move = await asOwner.PostAsJsonAsync($"/tickets/{ticket.Id()}/comments", new { content = "again", attachment_ids = new[] { file.Id() } });
        await move.AssertProblemAsync(HttpStatusCode.BadRequest, "attachment_ids[0]");
        await (await asOwner.DeleteAsync($"/attachments/{file.Id()}")).AssertProblemAsync(HttpStatusCode.Forbidden);
    }
}
