using System.Text.Json;

namespace SupportDesk.Tests.Features.Attachments;

/// <summary>attachment.added reaches exactly those who may see the files: a private comment's files, staff only.</summary>
public sealed class AttachmentRealtimeTests(AppFixture app, RealtimeServerFixture fixture) : IClassFixture<RealtimeServerFixture>
{
    private static string Type(JsonElement message) => message.GetProperty("type").GetString()!;

    // Staff sockets hear every ticket, including those of tests running alongside.
    private static Func<JsonElement, bool> FilesOf(Guid ticket) =>
        m => Type(m) == "attachment.added" && m.GetProperty("ticket_id").GetGuid() == ticket;

    [Fact]
    public async Task A_private_comments_files_are_announced_to_staff_only()
    {
        var customer = await app.RegisterCustomerAsync();
        var agent = await app.CreateUserAsync("agent");
        await using var customerSocket = await WsClient.ConnectAsync(fixture.Server.WebSocketUri, customer.Token);
        await using var staffSocket = await WsClient.ConnectAsync(fixture.Server.WebSocketUri, agent.Token);
        using var asAgent = app.ClientFor(agent);
        var ticket = (await app.ClientFor(customer).CreateTicketAsync()).Id();

        var secret = (await asAgent.UploadAsync(ticket, ("secret-audit.txt", AttachmentTestData.Text())))[0];
        await asAgent.CommentWithAsync(ticket, "private", secret.Id());
        var guide = (await asAgent.UploadAsync(ticket, ("guide.pdf", "%PDF-1.7\n"u8.ToArray())))[0];
        await asAgent.CommentWithAsync(ticket, "public", guide.Id());

        var staffFiles = new[]
        {
            await staffSocket.NextMatchingAsync(FilesOf(ticket)),
            await staffSocket.NextMatchingAsync(FilesOf(ticket)),
        };
        Assert.Equal([secret.Id(), guide.Id()], staffFiles.Select(m => m.GetProperty("data").GetProperty("attachments")[0].Id()));

        // Events arrive in commit order: the customer's first attachment.added being the public one proves the private one never came.
        var customerFiles = await customerSocket.NextMatchingAsync(FilesOf(ticket));
        Assert.Equal(guide.Id(), customerFiles.GetProperty("data").GetProperty("attachments")[0].Id());
        var seen = await customerSocket.NextMatchingAsync(m => Type(m) == "notification.created");
        Assert.DoesNotContain("secret-audit", seen.GetRawText());
    }
}
