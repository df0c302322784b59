using System.Net;
using Dapper;

namespace SupportDesk.Tests.Features.Attachments;

/// <summary>CLAMAV_HOST against the real clamd that scripts/test starts (its database knows the EICAR test file).</summary>
public sealed class VirusScanTests(AppFixture app)
{
    // The standard antivirus test file: harmless, and every scanner flags it.
    private static readonly byte[] Eicar = "X5O!P%@AP[4\\PZX54(P^)7CC)7}$EICAR-STANDARD-ANTIVIRUS-TEST-FILE!$H+H*"u8.ToArray();

    private static string ClamAvHost => Environment.GetEnvironmentVariable("TEST_CLAMAV_HOST") is { Length: > 0 } host
        ? host
        : throw new InvalidOperationException("TEST_CLAMAV_HOST is not set: run the tests with scripts/test, which starts clamd.");

    private SupportDeskFactory Scanning(string clamAvHost)
    {
        var settings = SupportDeskFactory.DefaultSettings(app.Database.Url);
        settings["CLAMAV_HOST"] = clamAvHost;
        return new SupportDeskFactory(settings);
    }

    private async Task<int> RowsNamedAsync(string fileName)
    {
        await using var db = await app.OpenConnectionAsync();
        return await db.ExecuteScalarAsync<int>("SELECT count(*) FROM attachments WHERE file_name = @fileName", new { fileName });
    }

    [Fact]
    public async Task A_flagged_file_is_refused_naming_it_and_nothing_is_stored_while_clean_files_go_through()
    {
        await using var factory = Scanning(ClamAvHost);
        var customer = await app.RegisterCustomerAsync();
        using var client = factory.CreateClient();
        client.DefaultRequestHeaders.Authorization = new("Bearer", customer.Token);
        var ticket = await client.CreateTicketAsync();
        var infectedName = $"invoice-{Guid.NewGuid():N}.txt";
        var cleanName = $"notes-{Guid.NewGuid():N}.txt";

        var refused = await client.UploadRawAsync(ticket.Id(), (cleanName, AttachmentTestData.Text()), (infectedName, Eicar));
        var problem = await refused.AssertProblemAsync(HttpStatusCode.UnprocessableEntity, "files[1]");
        Assert.Contains("SupportDesk.Test.EICAR", problem.GetProperty("errors").GetProperty("files[1]")[0].GetString());
        Assert.Equal(0, await RowsNamedAsync(infectedName));
        Assert.Equal(0, await RowsNamedAsync(cleanName)); // the request is refused whole
        Assert.Empty((await client.GetOkAsync($"/tickets/{ticket.Id()}/attachments")).EnumerateArray());

        var clean = await client.UploadAsync(ticket.Id(), ("report.txt", AttachmentTestData.Text()));
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync($"/attachments/{clean[0].Id()}")).StatusCode);
    }

    [Fact]
    public async Task An_unreachable_scanner_is_a_503_with_retry_after_and_stores_nothing()
    {
        await using var factory = Scanning($"127.0.0.1:{SmtpTestServer.FreePort()}");
        var customer = await app.RegisterCustomerAsync();
        using var client = factory.CreateClient();
        client.DefaultRequestHeaders.Authorization = new("Bearer", customer.Token);
        var ticket = await client.CreateTicketAsync();
        var name = $"unscanned-{Guid.NewGuid():N}.txt";

        var response = await client.UploadRawAsync(ticket.Id(), (name, AttachmentTestData.Text()));
        await response.AssertProblemAsync(HttpStatusCode.ServiceUnavailable);
        Assert.NotNull(response.Headers.RetryAfter);
        Assert.Equal(0, await RowsNamedAsync(name));
    }
}
