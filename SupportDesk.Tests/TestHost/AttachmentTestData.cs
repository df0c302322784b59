using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;

namespace SupportDesk.Tests.TestHost;

/// <summary>Files for attachment tests, and uploads through HTTP.</summary>
public static class AttachmentTestData
{
    /// <summary>A valid PNG start (signature + IHDR chunk) followed by <paramref name="filler"/> bytes.</summary>
    public static byte[] Png(int filler = 64)
    {
        byte[] start = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A, 0, 0, 0, 13, (byte)'I', (byte)'H', (byte)'D', (byte)'R', 0, 0, 0, 1, 0, 0, 0, 1, 8, 6, 0, 0, 0];
        var bytes = new byte[start.Length + filler];
        start.CopyTo(bytes, 0);
        Random.Shared.NextBytes(bytes.AsSpan(start.Length));
        return bytes;
    }

    /// <summary>Plain text of about <paramref name="size"/> bytes, unique per call.</summary>
    public static byte[] Text(int size = 100)
    {
        var line = $"log line {Guid.NewGuid():N}\n";
        var builder = new StringBuilder(size + line.Length);
        while (builder.Length < size)
            builder.Append(line);
        return Encoding.UTF8.GetBytes(builder.ToString()[..size]);
    }

    public static MultipartFormDataContent Form(params (string Name, byte[] Bytes)[] files)
    {
        var form = new MultipartFormDataContent();
        foreach (var (name, bytes) in files)
        {
            var part = new ByteArrayContent(bytes);
            // What the client claims is ignored; the bytes decide.
            part.Headers.ContentType = new MediaTypeHeaderValue("application/octet-stream");
            form.Add(part, "files", name);
        }
        return form;
    }

    public static Task<HttpResponseMessage> UploadRawAsync(this HttpClient client, Guid ticketId, params (string Name, byte[] Bytes)[] files) =>
        client.PostAsync($"/tickets/{ticketId}/attachments", Form(files));

    /// <summary>Uploads and returns the attachment records (asserting 201).</summary>
    public static async Task<JsonElement[]> UploadAsync(this HttpClient client, Guid ticketId, params (string Name, byte[] Bytes)[] files)
    {
        var response = await client.UploadRawAsync(ticketId, files);
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.Created, $"upload: {(int)response.StatusCode} {text}");
        return JsonDocument.Parse(text).RootElement.EnumerateArray().Select(e => e.Clone()).ToArray();
    }

    public static async Task<JsonElement> CommentWithAsync(this HttpClient client, Guid ticketId, string type, params Guid[] attachmentIds)
    {
        var response = await client.PostAsJsonAsync($"/tickets/{ticketId}/comments", new { content = "See the attached files", comment_type = type, attachment_ids = attachmentIds });
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.Created, $"comment: {(int)response.StatusCode} {text}");
        return JsonDocument.Parse(text).RootElement.Clone();
    }

    public static string Sha256(byte[] bytes) => Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(bytes));
}
