using System.Net;
using System.Net.Http.Headers;
using System.Text;
using Dapper;

namespace SupportDesk.Tests.Features.Attachments;

/// <summary>What an upload may be: types from the bytes, safe names, no empty files, well-formed multipart.</summary>
public sealed class UploadRulesTests(AppFixture app)
{
    private async Task<(HttpClient Client, Guid Ticket)> OwnTicketAsync()
    {
        var client = app.ClientFor(await app.RegisterCustomerAsync());
        return (client, (await client.CreateTicketAsync()).Id());
    }

    private async Task<long> RowsAsync(Guid ticket)
    {
        await using var db = await app.OpenConnectionAsync();
        return await db.ExecuteScalarAsync<long>("SELECT count(*) FROM attachments WHERE ticket_id = @ticket", new { ticket });
    }

    [Fact]
    public async Task A_png_signature_on_an_html_page_and_other_refused_types_are_415_naming_the_file()
    {
        var (client, ticket) = await OwnTicketAsync();
        byte[] pngSignature = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A];
        var disguised = pngSignature.Concat("<html><script>alert(document.cookie)</script></html>"u8.ToArray()).ToArray();
        var cases = new (string Name, byte[] Bytes)[]
        {
            ("cat.png", disguised),
            ("page.txt", "<!DOCTYPE html><html><body onload=alert(1)>"u8.ToArray()),
            ("logo.png", "<svg xmlns=\"http://www.w3.org/2000/svg\"><script>alert(1)</script></svg>"u8.ToArray()),
            ("setup.pdf", [(byte)'M', (byte)'Z', 0x90, 0, 3, 0, 0, 0]),
            ("blob.bin", [0, 1, 2, 3, 0xFE, 0xFF]),
        };
        foreach (var file in cases)
        {
            var response = await client.UploadRawAsync(ticket, ("ok.txt", AttachmentTestData.Text()), file);
            var problem = await response.AssertProblemAsync(HttpStatusCode.UnsupportedMediaType, "files[1]");
            Assert.Contains(file.Name, problem.GetProperty("errors").GetProperty("files[1]")[0].GetString());
        }
        Assert.Equal(0, await RowsAsync(ticket));
    }

    [Fact]
    public async Task File_names_are_normalised_to_a_safe_last_segment()
    {
        var (client, ticket) = await OwnTicketAsync();
        var names = new (string Sent, string Stored)[]
        {
            ("../../etc/passwd", "passwd"),
            ("..\\..\\windows\\win.ini", "win.ini"),
            ("con.txt", "_con.txt"),
            ("report\u202Etxt.exe", "reporttxt.exe"),
            ("nul\0byte.txt", "nulbyte.txt"),
            ("...", "file"),
            (new string('a', 300) + ".log", new string('a', 251) + ".log"),
        };
        foreach (var (sent, stored) in names)
        {
            var form = new MultipartFormDataContent();
            var part = new ByteArrayContent(AttachmentTestData.Text());
            // filename* (RFC 5987) carries any character, as browsers send it.
            part.Headers.ContentDisposition = new ContentDispositionHeaderValue("form-data") { Name = "files", FileNameStar = sent };
            form.Add(part);
            var response = await client.PostAsync($"/tickets/{ticket}/attachments", form);
            var body = await response.Content.ReadAsStringAsync();
            Assert.True(response.StatusCode == HttpStatusCode.Created, $"{sent}: {(int)response.StatusCode} {body}");
            var record = System.Text.Json.JsonDocument.Parse(body).RootElement[0];
            Assert.Equal(stored, record.Str("file_name"));

            var download = await client.GetAsync($"/attachments/{record.Id()}");
            Assert.Equal(stored, download.Content.Headers.ContentDisposition?.FileNameStar);
        }
    }

    [Fact]
    public async Task An_empty_file_no_file_and_non_file_parts_are_400_naming_the_part()
    {
        var (client, ticket) = await OwnTicketAsync();
        await (await client.UploadRawAsync(ticket, ("a.txt", AttachmentTestData.Text()), ("empty.txt", []))).AssertProblemAsync(HttpStatusCode.BadRequest, "files[1]");
        var noFile = new ByteArrayContent("--bb--\r\n"u8.ToArray());
        noFile.Headers.ContentType = MediaTypeHeaderValue.Parse("multipart/form-data; boundary=bb");
        await (await client.PostAsync($"/tickets/{ticket}/attachments", noFile)).AssertProblemAsync(HttpStatusCode.BadRequest, "files");
        var field = new MultipartFormDataContent { { new StringContent("hello"), "note" } };
        await (await client.PostAsync($"/tickets/{ticket}/attachments", field)).AssertProblemAsync(HttpStatusCode.BadRequest, "files[0]");
        Assert.Equal(0, await RowsAsync(ticket));
    }

    [Fact]
    public async Task Truncated_bodies_a_missing_boundary_and_json_are_problems()
    {
        var (client, ticket) = await OwnTicketAsync();
        var url = $"/tickets/{ticket}/attachments";

        var truncated = new ByteArrayContent(Encoding.ASCII.GetBytes("--b0undary\r\nContent-Disposition: form-data; name=\"files\"; filename=\"a.txt\"\r\n\r\nhalf of a fi"));
        truncated.Headers.ContentType = MediaTypeHeaderValue.Parse("multipart/form-data; boundary=b0undary");
        await (await client.PostAsync(url, truncated)).AssertProblemAsync(HttpStatusCode.BadRequest, "body");

        var noBoundary = new ByteArrayContent(Encoding.ASCII.GetBytes("--x\r\n\r\nabc\r\n--x--\r\n"));
        noBoundary.Headers.ContentType = MediaTypeHeaderValue.Parse("multipart/form-data");
        await (await client.PostAsync(url, noBoundary)).AssertProblemAsync(HttpStatusCode.BadRequest, "content-type");

        var garbage = new ByteArrayContent(Encoding.ASCII.GetBytes("this is not multipart at all"));
        garbage.Headers.ContentType = MediaTypeHeaderValue.Parse("multipart/form-data; boundary=zzz");
        await (await client.PostAsync(url, garbage)).AssertProblemAsync(HttpStatusCode.BadRequest);

        await (await client.PostAsync(url, new StringContent("{}", Encoding.UTF8, "application/json"))).AssertProblemAsync(HttpStatusCode.UnsupportedMediaType);
        Assert.Equal(0, await RowsAsync(ticket));
    }

    [Fact]
    public async Task Downloads_are_attachments_with_nosniff_a_sandbox_and_inline_only_for_images_and_pdf()
    {
        var (client, ticket) = await OwnTicketAsync();
        var png = (await client.UploadAsync(ticket, ("photo.png", AttachmentTestData.Png())))[0];
        var text = (await client.UploadAsync(ticket, ("notes.txt", AttachmentTestData.Text())))[0];

        var download = await client.GetAsync($"/attachments/{png.Id()}");
        Assert.Equal("attachment", download.Content.Headers.ContentDisposition?.DispositionType);
        Assert.Equal("image/png", download.Content.Headers.ContentType?.MediaType);
        Assert.Equal("nosniff", download.Headers.GetValues("X-Content-Type-Options").Single());
        Assert.Equal("sandbox; default-src 'none'", download.Headers.GetValues("Content-Security-Policy").Single());
        Assert.Equal($"\"{png.Str("sha256")}\"", download.Headers.ETag?.Tag);
        Assert.Equal("bytes", download.Headers.AcceptRanges.Single());

        Assert.Equal("inline", (await client.GetAsync($"/attachments/{png.Id()}?inline=true")).Content.Headers.ContentDisposition?.DispositionType);
        Assert.Equal("attachment", (await client.GetAsync($"/attachments/{text.Id()}?inline=true")).Content.Headers.ContentDisposition?.DispositionType);

        var revalidate = new HttpRequestMessage(HttpMethod.Get, $"/attachments/{png.Id()}");
        revalidate.Headers.IfNoneMatch.Add(download.Headers.ETag!);
        Assert.Equal(HttpStatusCode.NotModified, (await client.SendAsync(revalidate)).StatusCode);
    }
}
