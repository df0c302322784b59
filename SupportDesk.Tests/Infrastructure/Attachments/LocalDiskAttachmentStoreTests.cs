using System.Text;
using SupportDesk.Infrastructure.Attachments;
using SupportDesk.Infrastructure.Configuration;

namespace SupportDesk.Tests.Infrastructure.Attachments;

public sealed class LocalDiskAttachmentStoreTests
{
    private static string TempRoot() => Path.Combine(Path.GetTempPath(), "supportdesk-tests", $"store-{Guid.NewGuid():N}");

    [Fact]
    public void An_unusable_attachments_path_stops_start_up_naming_the_variable()
    {
        var file = Path.GetTempFileName();
        var e = Assert.Throws<StartupException>(() => new LocalDiskAttachmentStore(new AttachmentSettings { Root = Path.Combine(file, "attachments") }));
        Assert.Contains("ATTACHMENTS_PATH", e.Message);
        File.Delete(file);
    }

    [Fact]
    public async Task Staged_bytes_are_invisible_until_published_and_a_discarded_stage_leaves_nothing()
    {
        var root = TempRoot();
        var store = new LocalDiskAttachmentStore(new AttachmentSettings { Root = root });
        var bytes = Encoding.UTF8.GetBytes("hello, attachments");

        var staged = await store.StageAsync(new MemoryStream(bytes), 1024, CancellationToken.None);
        Assert.Equal(AttachmentTestData.Sha256(bytes), staged.Sha256);
        Assert.Equal(bytes.Length, staged.Size);
        Assert.Null(store.OpenRead(staged.Sha256));

        await store.PublishAsync(staged, CancellationToken.None);
        await using (var read = store.OpenRead(staged.Sha256)!)
        {
            var copy = new MemoryStream();
            await read.CopyToAsync(copy);
            Assert.Equal(bytes, copy.ToArray());
        }

        var discarded = await store.StageAsync(new MemoryStream(bytes), 1024, CancellationToken.None);
        store.Discard(discarded);
        Assert.Empty(Directory.EnumerateFiles(Path.Combine(root, "tmp")));

        await Assert.ThrowsAsync<AttachmentTooLargeException>(() => store.StageAsync(new MemoryStream(new byte[2000]), 1024, CancellationToken.None));
        Assert.Empty(Directory.EnumerateFiles(Path.Combine(root, "tmp")));
        Directory.Delete(root, recursive: true);
    }
}
