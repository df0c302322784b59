using System.Text;

namespace SupportDesk.Infrastructure.Attachments;

/// <summary>
/// What a file is, from its first bytes (never from the client's Content-Type or the file name), and whether a
/// browser may render it inline. Types the service recognises but never accepts (HTML, SVG, executables) are named
/// so a refusal can say what was seen.
/// </summary>
public static class FileSignatures
{
    /// <summary>How many leading bytes the detection looks at.</summary>
    public const int HeadLength = 1024;

    public const string Unknown = "application/octet-stream";

    /// <summary>Types that may be allowed by ATTACHMENTS_ALLOWED_TYPES.</summary>
    public static readonly IReadOnlySet<string> KnownTypes = new HashSet<string>(StringComparer.Ordinal)
    {
        "image/png", "image/jpeg", "image/gif", "image/webp", "application/pdf", "application/zip", "application/gzip", "text/plain",
    };

    /// <summary>Raster images and PDF: a browser renders them without running anything of the file's own.</summary>
    public static bool IsSafeInline(string contentType) =>
        contentType is "image/png" or "image/jpeg" or "image/gif" or "image/webp" or "application/pdf";

    public static string Detect(ReadOnlySpan<byte> head)
    {
        // PNG: the signature and then the IHDR chunk, so a PNG signature glued onto an HTML page is not a PNG.
        if (head.StartsWith((ReadOnlySpan<byte>)[0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]) && head.Length >= 16 && head[12..16].SequenceEqual("IHDR"u8))
            return "image/png";
        if (head.StartsWith((ReadOnlySpan<byte>)[0xFF, 0xD8, 0xFF]))
            return "image/jpeg";
        if (head.StartsWith("GIF87a"u8) || head.StartsWith("GIF89a"u8))
            return "image/gif";
        if (head.Length >= 12 && head.StartsWith("RIFF"u8) && head[8..12].SequenceEqual("WEBP"u8))
            return "image/webp";
        if (head.StartsWith("%PDF-"u8))
            return "application/pdf";
        if (head.StartsWith((ReadOnlySpan<byte>)[0x50, 0x4B, 0x03, 0x04]) || head.StartsWith((ReadOnlySpan<byte>)[0x50, 0x4B, 0x05, 0x06]))
            return "application/zip";
        if (head.StartsWith((ReadOnlySpan<byte>)[0x1F, 0x8B]))
            return "application/gzip";
        if (head.StartsWith("MZ"u8))
            return "application/x-msdownload";
        if (head.StartsWith((ReadOnlySpan<byte>)[0x7F, 0x45, 0x4C, 0x46]))
            return "application/x-executable";
        if (head.StartsWith("#!"u8))
            return "text/x-shellscript";
        return IsText(head) ? TextKind(head) : Unknown;
    }

    /// <summary>UTF-8 without NUL or other control bytes (tab, CR, LF, form feed allowed); a sequence cut at the end of the head is fine.</summary>
    private static bool IsText(ReadOnlySpan<byte> head)
    {
        if (head.StartsWith((ReadOnlySpan<byte>)[0xEF, 0xBB, 0xBF]))
            head = head[3..];
        foreach (var b in head)
            if (b < 0x20 && b is not ((byte)'\t' or (byte)'\n' or (byte)'\r' or 0x0C))
                return false;
        var decoder = new UTF8Encoding(false, throwOnInvalidBytes: true).GetDecoder();
        try
        {
            Span<char> chars = stackalloc char[head.Length + 1];
            decoder.GetChars(head, chars, flush: false);
            return true;
        }
        catch (DecoderFallbackException)
        {
            return false;
        }
    }

    // Markup is text a browser would run; it is named so it can be refused.
    private static string TextKind(ReadOnlySpan<byte> head)
    {
        var text = Encoding.UTF8.GetString(head).ToLowerInvariant();
        if (text.Contains("<svg", StringComparison.Ordinal))
            return "image/svg+xml";
        string[] markup = ["<html", "<!doctype", "<script", "<body", "<iframe", "<head", "<?xml", "<meta", "<object", "<embed"];
        return markup.Any(m => text.Contains(m, StringComparison.Ordinal)) ? "text/html" : "text/plain";
    }
}
