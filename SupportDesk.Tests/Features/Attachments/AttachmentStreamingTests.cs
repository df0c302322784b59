using System.Net;
using System.Net.Http.Headers;
using System.Text;
using Dapper;
using Microsoft.Extensions.DependencyInjection;
using SupportDesk.Infrastructure.Attachments;

namespace SupportDesk.Tests.Features.Attachments;

/// <summary>The real app on Kestrel with a store of its own and small limits (2 MB a file, 3 MB and 3 files a request, 4 MB a ticket).</summary>
public sealed class AttachmentServerFixture(AppFixture app) : IAsyncLifetime
{
    public KestrelApp Server { get; private set; } = null!;
    public string Root { get; } = Path.Combine(Path.GetTempPath(), "supportdesk-tests", $"attachments-kestrel-{Guid.NewGuid():N}");
    public string Staging => Path.Combine(Root, "tmp");

    public async ValueTask InitializeAsync() => Server = await KestrelApp.StartAsync(app.Database.Url, new Dictionary<string, string?>
    {
        ["ATTACHMENTS_PATH"] = Root,
        ["ATTACHMENTS_MAX_FILE_MB"] = "2",
        ["ATTACHMENTS_MAX_REQUEST_MB"] = "3",
        ["ATTACHMENTS_MAX_FILES"] = "3",
        ["ATTACHMENTS_MAX_TICKET_MB"] = "4",
    });

    public async ValueTask DisposeAsync()
    {
        await Server.DisposeAsync();
        try { Directory.Delete(Root, recursive: true); } catch (IOException) { }
    }

    public HttpClient ClientFor(TestUser user)
    {
        var client = Server.CreateClient();
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", user.Token);
        return client;
    }

    /// <summary>Stored blobs (not staging files) on disk.</summary>
    public string[] Blobs() => Directory.EnumerateFiles(Root, "*", SearchOption.AllDirectories)
        .Where(p => !p.StartsWith(Staging, StringComparison.Ordinal)).ToArray();
}

/// <summary>Streaming over a real socket: roundtrips, ranges, dedup on disk, limits, aborted uploads, cleanup.</summary>
public sealed class AttachmentStreamingTests(AppFixture app, AttachmentServerFixture server) : IClassFixture<AttachmentServerFixture>
{
    private async Task<(HttpClient Client, Guid Ticket, TestUser User)> OwnTicketAsync()
    {
        var user = await app.RegisterCustomerAsync();
        var client = server.ClientFor(user);
        return (client, (await client.CreateTicketAsync()).Id(), user);
    }

    private async Task<long> RowsAsync(Guid ticket)
    {
        await using var db = await app.OpenConnectionAsync();
        return await db.ExecuteScalarAsync<long>("SELECT count(*) FROM attachments WHERE ticket_id = @ticket", new { ticket });
    }

    private static async Task WaitForAsync(Func<bool> condition, string what)
    {
        for (var i = 0; i < 100 && !condition(); i++)
            await Task.Delay(100);
        Assert.True(condition(), what);
    }

    [Fact]
    public async Task A_file_comes_back_byte_for_byte_and_a_range_is_206()
    {
        var (client, ticket, _) = await OwnTicketAsync();
        var bytes = AttachmentTestData.Text(1_500_000);
        var record = (await client.UploadAsync(ticket, ("big.log", bytes)))[0];
        Assert.Equal(AttachmentTestData.Sha256(bytes), record.Str("sha256"));

        var download = await client.GetAsync($"/attachments/{record.Id()}");
        Assert.Equal(HttpStatusCode.OK, download.StatusCode);
        var body = await download.Content.ReadAsByteArrayAsync();
        Assert.Equal(AttachmentTestData.Sha256(bytes), AttachmentTestData.Sha256(body));
        Assert.Equal("text/plain", download.Content.Headers.ContentType?.MediaType);

        var range = new HttpRequestMessage(HttpMethod.Get, $"/attachments/{record.Id()}");
        range.Headers.Range = new RangeHeaderValue(1000, 1999);
        var partial = await client.SendAsync(range);
        Assert.Equal(HttpStatusCode.PartialContent, partial.StatusCode);
        Assert.Equal(bytes[1000..2000], await partial.Content.ReadAsByteArrayAsync());
        Assert.Equal(bytes.Length, partial.Content.Headers.ContentRange?.Length);
    }

    [Fact]
    public async Task The_same_bytes_are_stored_once_even_when_uploaded_at_the_same_time()
    {
        var (client, ticket, _) = await OwnTicketAsync();
        var bytes = AttachmentTestData.Png(50_000);
        var sha = AttachmentTestData.Sha256(bytes);
        var uploads = await Task.WhenAll(Enumerable.Range(0, 4).Select(i => client.UploadAsync(ticket, ($"copy{i}.png", bytes))));
        Assert.Equal(4, uploads.Select(u => u[0].Id()).Distinct().Count());
        Assert.All(uploads, u => Assert.Equal(sha, u[0].Str("sha256")));

        Assert.Single(server.Blobs(), p => Path.GetFileName(p) == sha);
        foreach (var upload in uploads)
            Assert.Equal(bytes, await client.GetByteArrayAsync($"/attachments/{upload[0].Id()}"));
    }

    [Fact]
    public async Task An_oversized_file_is_413_naming_it_and_leaves_nothing_behind()
    {
        var (client, ticket, _) = await OwnTicketAsync();
        var response = await client.UploadRawAsync(ticket, ("small.txt", AttachmentTestData.Text()), ("huge.log", AttachmentTestData.Text(2 * 1024 * 1024 + 10)));
        var problem = await response.AssertProblemAsync(HttpStatusCode.RequestEntityTooLarge, "files[1]");
        Assert.Contains("huge.log", problem.GetProperty("errors").GetProperty("files[1]")[0].GetString());
        Assert.Equal(0, await RowsAsync(ticket));
        await WaitForAsync(() => !Directory.EnumerateFiles(server.Staging).Any(), "staging is empty");

        // The whole request is capped too: three files under the per-file limit but over the request's.
        var tooMuch = await client.UploadRawAsync(ticket, ("a.log", AttachmentTestData.Text(1_500_000)), ("b.log", AttachmentTestData.Text(1_500_000)), ("c.log", AttachmentTestData.Text(180_000)));
        await tooMuch.AssertProblemAsync(HttpStatusCode.RequestEntityTooLarge, "files[2]");
        Assert.Equal(0, await RowsAsync(ticket));
    }

    [Fact]
    public async Task A_ticket_holds_at_most_its_limit_of_attachment_bytes()
    {
        var (client, ticket, _) = await OwnTicketAsync();
        await client.UploadAsync(ticket, ("1.log", AttachmentTestData.Text(1_500_000)));
        await client.UploadAsync(ticket, ("2.log", AttachmentTestData.Text(1_500_000)));
        var third = await client.UploadRawAsync(ticket, ("3.log", AttachmentTestData.Text(1_500_000)));
        await third.AssertProblemAsync(HttpStatusCode.RequestEntityTooLarge, "files");
        Assert.Equal(2, await RowsAsync(ticket));
        await WaitForAsync(() => !Directory.EnumerateFiles(server.Staging).Any(), "staging is empty");
    }

    [Fact]
    public async Task Too_many_parts_are_400_without_reading_them_all()
    {
        var (client, ticket, _) = await OwnTicketAsync();
        var body = new StringBuilder();
        for (var i = 0; i < 10_000; i++)
            body.Append($"--bnd\r\nContent-Disposition: form-data; name=\"files\"; filename=\"{i}.txt\"\r\n\r\nx\r\n");
        body.Append("--bnd--\r\n");
        var content = new StringContent(body.ToString(), Encoding.ASCII);
        content.Headers.ContentType = MediaTypeHeaderValue.Parse("multipart/form-data; boundary=bnd");
        await (await client.PostAsync($"/tickets/{ticket}/attachments", content)).AssertProblemAsync(HttpStatusCode.BadRequest, "files[3]");
        Assert.Equal(0, await RowsAsync(ticket));
    }

    [Fact]
    public async Task An_upload_the_client_aborts_halfway_leaves_no_row_and_no_file()
    {
        var (client, ticket, _) = await OwnTicketAsync();
        using var cancel = new CancellationTokenSource();
        var content = new HalfSentFile(512 * 1024);
        var upload = client.PostAsync($"/tickets/{ticket}/attachments", content, cancel.Token);

        // The server is already writing the first half to a staging file (streamed, not buffered)...
        await content.HalfSent.Task.WaitAsync(TimeSpan.FromSeconds(10));
        await WaitForAsync(() => Directory.EnumerateFiles(server.Staging).Any(p => new FileInfo(p).Length > 0), "a staging file receives the bytes as they arrive");
        // ...when the client goes away.
        cancel.Cancel();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => upload);

        await WaitForAsync(() => !Directory.EnumerateFiles(server.Staging).Any(), "the staging file is deleted");
        Assert.Equal(0, await RowsAsync(ticket));
    }

    [Fact]
    public async Task The_cleanup_deletes_expired_uploads_no_comment_took_and_the_bytes_nobody_points_at()
    {
        var (client, ticket, _) = await OwnTicketAsync();
        var kept = (await client.UploadAsync(ticket, ("kept.txt", AttachmentTestData.Text())))[0];
        var expired = (await client.UploadAsync(ticket, ("expired.txt", AttachmentTestData.Text())))[0];
        await client.CommentWithAsync(ticket, "public", kept.Id());
        await using (var db = await app.OpenConnectionAsync())
            await db.ExecuteAsync("UPDATE attachments SET created_at = now() - interval '30 days' WHERE id = ANY(@ids)", new { ids = new[] { kept.Id(), expired.Id() } });
        var leftover = Path.Combine(server.Staging, $"{Guid.NewGuid():N}.upload");
        await File.WriteAllTextAsync(leftover, "a crashed upload");

        var cleanup = server.Server.Services.GetRequiredService<AttachmentCleanup>();
        await cleanup.RunOnceAsync(TimeSpan.Zero, CancellationToken.None);

        Assert.Equal(HttpStatusCode.NotFound, (await client.GetAsync($"/attachments/{expired.Id()}")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync($"/attachments/{kept.Id()}")).StatusCode);
        Assert.DoesNotContain(server.Blobs(), p => Path.GetFileName(p) == expired.Str("sha256"));
        Assert.Contains(server.Blobs(), p => Path.GetFileName(p) == kept.Str("sha256"));
        Assert.False(File.Exists(leftover));
    }

    [Fact]
    public async Task Bytes_whose_row_committed_before_a_crash_are_published_by_the_cleanup_not_deleted()
    {
        var (client, ticket, user) = await OwnTicketAsync();
        var bytes = AttachmentTestData.Text(5000);
        var sha = AttachmentTestData.Sha256(bytes);
        // What a crash between the commit and the rename leaves: the row, and the bytes still in staging.
        await File.WriteAllBytesAsync(Path.Combine(server.Staging, $"{Guid.NewGuid():N}-{sha}.staged"), bytes);
        var id = Guid.NewGuid();
        await using (var db = await app.OpenConnectionAsync())
            await db.ExecuteAsync("""
                INSERT INTO attachments (id, ticket_id, uploaded_by, file_name, content_type, size, sha256)
                VALUES (@id, @ticket, @user, 'crash.log', 'text/plain', @size, @sha)
                """, new { id, ticket, user = user.Id, size = bytes.Length, sha });
        Assert.Equal(HttpStatusCode.NotFound, (await client.GetAsync($"/attachments/{id}")).StatusCode);

        await server.Server.Services.GetRequiredService<AttachmentCleanup>().RunOnceAsync(TimeSpan.Zero, CancellationToken.None);

        Assert.Equal(bytes, await client.GetByteArrayAsync($"/attachments/{id}"));
        Assert.Empty(Directory.EnumerateFiles(server.Staging, $"*{sha}*"));
    }

    [Fact]
    public async Task A_boundary_string_inside_the_data_does_not_end_the_part()
    {
        var (client, ticket, _) = await OwnTicketAsync();
        const string data = "before --sep-1 after\r\n-- sep-1 still data\r\n--sep-2 also data\n";
        var body = $"--sep-1\r\nContent-Disposition: form-data; name=\"files\"; filename=\"tricky.txt\"\r\n\r\n{data}\r\n--sep-1--\r\n";
        var content = new StringContent(body, Encoding.ASCII);
        content.Headers.ContentType = MediaTypeHeaderValue.Parse("multipart/form-data; boundary=sep-1");
        var response = await client.PostAsync($"/tickets/{ticket}/attachments", content);
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.Created, text);
        var id = System.Text.Json.JsonDocument.Parse(text).RootElement[0].Id();
        Assert.Equal(data, await client.GetStringAsync($"/attachments/{id}"));
    }

    [Fact]
    public async Task Metrics_count_stored_bytes_and_refusals_by_reason()
    {
        var (client, ticket, _) = await OwnTicketAsync();
        await client.UploadAsync(ticket, ("a.txt", AttachmentTestData.Text()));
        await client.UploadRawAsync(ticket, ("x.bin", [0, 1, 2]));
        var metrics = await server.Server.CreateClient().GetStringAsync("/metrics");
        Assert.Contains("supportdesk_attachment_bytes_stored_total", metrics);
        Assert.Contains("supportdesk_attachment_uploads_refused_total{reason=\"type\"}", metrics);
    }

    /// <summary>A multipart body that sends half a file, then hangs until the request is cancelled.</summary>
    private sealed class HalfSentFile : HttpContent
    {
        private readonly int _half;

        public HalfSentFile(int half)
        {
            _half = half;
            Headers.ContentType = MediaTypeHeaderValue.Parse($"multipart/form-data; boundary={Boundary}");
        }

        private const string Boundary = "abort-boundary";
        public TaskCompletionSource HalfSent { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        protected override Task SerializeToStreamAsync(Stream stream, TransportContext? context) => SerializeToStreamAsync(stream, context, CancellationToken.None);

        protected override async Task SerializeToStreamAsync(Stream stream, TransportContext? context, CancellationToken cancellationToken)
        {
            await stream.WriteAsync(Encoding.ASCII.GetBytes($"--{Boundary}\r\nContent-Disposition: form-data; name=\"files\"; filename=\"big.log\"\r\n\r\n"), cancellationToken);
            await stream.WriteAsync(AttachmentTestData.Text(_half), cancellationToken);
            await stream.FlushAsync(cancellationToken);
            HalfSent.TrySetResult();
            await Task.Delay(Timeout.Infinite, cancellationToken);
        }

        protected override bool TryComputeLength(out long length)
        {
            length = 0;
            return false;
        }
    }
}
