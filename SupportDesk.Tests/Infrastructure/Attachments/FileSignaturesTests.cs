using System.Text;
using SupportDesk.Infrastructure.Attachments;

namespace SupportDesk.Tests.Infrastructure.Attachments;

/// <summary>Types come from the first bytes; markup and executables are named so they can be refused.</summary>
public sealed class FileSignaturesTests
{
    public static TheoryData<string, byte[]> Files() => new()
    {
        { "image/png", AttachmentTestData.Png() },
        { "image/jpeg", [0xFF, 0xD8, 0xFF, 0xE0, 0, 0x10, (byte)'J', (byte)'F', (byte)'I', (byte)'F'] },
        { "image/gif", "GIF89a\x01\x00\x01\x00"u8.ToArray() },
        { "image/webp", "RIFF\x24\x00\x00\x00WEBPVP8 "u8.ToArray() },
        { "application/pdf", "%PDF-1.4\n"u8.ToArray() },
        { "application/zip", [0x50, 0x4B, 0x03, 0x04, 0x14, 0, 0, 0] },
        { "application/gzip", [0x1F, 0x8B, 0x08, 0] },
        { "text/plain", Encoding.UTF8.GetBytes("Grüße, 日本語 and a tab\t\r\n") },
        { "text/html", "\uFEFF  <!doctype html><p>hi"u8.ToArray() },
        { "text/html", "Hello <SCRIPT>alert(1)</SCRIPT>"u8.ToArray() },
        { "image/svg+xml", "<?xml version=\"1.0\"?><svg/>"u8.ToArray() },
        { "application/x-msdownload", [(byte)'M', (byte)'Z', 0x90, 0] },
        { "application/x-executable", [0x7F, (byte)'E', (byte)'L', (byte)'F', 2, 1] },
        { "text/x-shellscript", "#!/bin/sh\nrm -rf /\n"u8.ToArray() },
        { FileSignatures.Unknown, [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A, (byte)'<', (byte)'h'] },
        { FileSignatures.Unknown, [0xC3, 0x28, 0x41] },
        { FileSignatures.Unknown, [0x41, 0x00, 0x42] },
    };

    [Theory]
    [MemberData(nameof(Files))]
    public void Detects_the_type_from_the_bytes(string expected, byte[] bytes) =>
        Assert.Equal(expected, FileSignatures.Detect(bytes));

    [Fact]
    public void Text_cut_in_the_middle_of_a_character_at_the_end_of_the_head_is_still_text()
    {
        var text = Encoding.UTF8.GetBytes(new string('a', FileSignatures.HeadLength - 1) + "é");
        Assert.Equal("text/plain", FileSignatures.Detect(text.AsSpan(0, FileSignatures.HeadLength)));
    }

    [Fact]
    public void Only_raster_images_and_pdf_may_be_shown_inline()
    {
        Assert.True(FileSignatures.IsSafeInline("image/png"));
        Assert.True(FileSignatures.IsSafeInline("application/pdf"));
        Assert.False(FileSignatures.IsSafeInline("text/plain"));
        Assert.False(FileSignatures.IsSafeInline("image/svg+xml"));
        Assert.False(FileSignatures.IsSafeInline("text/html"));
    }
}
