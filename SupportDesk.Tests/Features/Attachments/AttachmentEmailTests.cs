using System.Net.Http.Headers;
using MimeKit;

namespace SupportDesk.Tests.Features.Attachments;

/// <summary>EMAIL_ATTACH_FILES over a real SMTP server: a reply's files travel with its email, within the size cap.</summary>
public sealed class AttachmentEmailTests : IAsyncLifetime
{
    private TestDatabase _database = null!;
    private SmtpTestServer _smtp = null!;
    private SupportDeskFactory _factory = null!;

    public async ValueTask InitializeAsync()
    {
        _database = await TestDatabase.CreateAsync("sd_attach_mail");
        _smtp = await SmtpTestServer.StartAsync();
        var settings = EmailTestData.SmtpSettings(_database.Url, _smtp.Port);
        settings["EMAIL_ATTACH_FILES"] = "true";
        settings["EMAIL_ATTACH_MAX_MB"] = "1";
        settings["ATTACHMENTS_PATH"] = Path.Combine(SupportDeskFactory.TestAttachmentsRoot, _database.Name);
        _factory = new SupportDeskFactory(settings);
        using var client = _factory.CreateClient();
        (await client.GetAsync("/health")).EnsureSuccessStatusCode();
    }

    public async ValueTask DisposeAsync()
    {
        await _factory.DisposeAsync();
        await _smtp.DisposeAsync();
        await _database.DisposeAsync();
    }

    private HttpClient ClientFor(EmailRecipient user, string role)
    {
        var client = _factory.CreateClient();
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer",
            RealtimeTestData.Token(user.Id, role, DateTime.UtcNow.AddHours(1)));
        return client;
    }

    [Fact]
    public async Task A_public_reply_carries_its_files_up_to_the_cap_and_links_the_rest()
    {
        await using var db = await EmailTestData.OpenAsync(_database.ConnectionString);
        var customer = await EmailTestData.CreateUserAsync(db, "customer");
        var agent = await EmailTestData.CreateUserAsync(db, "agent");
        using var asCustomer = ClientFor(customer, "customer");
        using var asAgent = ClientFor(agent, "agent");
        var ticket = await asCustomer.CreateTicketAsync();

        var screenshot = AttachmentTestData.Png(2000);
        var small = (await asAgent.UploadAsync(ticket.Id(), ("screenshot.png", screenshot)))[0];
        // Over the 1 MB cap on its own: it stays a link.
        var big = (await asAgent.UploadAsync(ticket.Id(), ("full-log.txt", AttachmentTestData.Text(1_200_000))))[0];
        await asAgent.CommentWithAsync(ticket.Id(), "public", small.Id(), big.Id());

        // The ticket's confirmation, then the reply.
        var mail = Assert.Single(await _smtp.WaitForAsync(customer.Email, count: 2), m => m.Message.TextBody?.Contains("screenshot.png") == true).Message;
        var attached = Assert.Single(mail.Attachments.OfType<MimePart>());
        Assert.Equal("screenshot.png", attached.FileName);
        Assert.Equal("image/png", attached.ContentType.MimeType);
        using var bytes = new MemoryStream();
        await attached.Content!.DecodeToAsync(bytes);
        Assert.Equal(screenshot, bytes.ToArray());
        Assert.Contains("screenshot.png", mail.TextBody);
        Assert.Contains("full-log.txt", mail.TextBody);
    }
}
