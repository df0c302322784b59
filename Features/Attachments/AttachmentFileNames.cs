using System.Globalization;
using System.Text;

namespace SupportDesk.Features.Attachments;

/// <summary>
/// A client's file name made safe to store and to send back: the last path segment only, no control, format (bidi,
/// zero-width) or reserved characters, no Windows device names, no leading/trailing dots or spaces, at most 255 chars.
/// </summary>
public static class AttachmentFileNames
{
    public const int MaxLength = 255;
    private const string Fallback = "file";
    private static readonly HashSet<string> DeviceNames = new(StringComparer.OrdinalIgnoreCase)
    {
        "CON", "PRN", "AUX", "NUL", "COM1", "COM2", "COM3", "COM4", "COM5", "COM6", "COM7", "COM8", "COM9",
        "LPT1", "LPT2", "LPT3", "LPT4", "LPT5", "LPT6", "LPT7", "LPT8", "LPT9",
    };

    public static string Normalize(string? raw)
    {
        var name = (raw ?? "").Normalize(NormalizationForm.FormC);
        var slash = name.LastIndexOfAny(['/', '\\']);
        if (slash >= 0)
            name = name[(slash + 1)..];

        var clean = new StringBuilder(name.Length);
        foreach (var rune in name.EnumerateRunes())
        {
            var category = Rune.GetUnicodeCategory(rune);
            if (category is UnicodeCategory.Control or UnicodeCategory.Format or UnicodeCategory.Surrogate
                or UnicodeCategory.PrivateUse or UnicodeCategory.OtherNotAssigned or UnicodeCategory.LineSeparator or UnicodeCategory.ParagraphSeparator)
                continue;
            clean.Append(rune.Value is '<' or '>' or ':' or '"' or '|' or '?' or '*' ? "_" : rune.ToString());
        }
        name = clean.ToString().Trim().Trim('.').Trim();
        if (name.Length == 0)
            return Fallback;

        var dot = name.IndexOf('.');
        var stem = dot < 0 ? name : name[..dot];
        if (DeviceNames.Contains(stem.TrimEnd()))
            name = "_" + name;

        if (name.Length > MaxLength)
        {
            var extension = Path.GetExtension(name);
            if (extension.Length > 16)
                extension = "";
            name = TakeText(name[..^extension.Length], MaxLength - extension.Length) + extension;
        }
        return name;
    }

    // Cut on a rune boundary, so a surrogate pair is never split.
    private static string TakeText(string text, int max)
    {
        var result = new StringBuilder(max);
        foreach (var rune in text.EnumerateRunes())
        {
            if (result.Length + rune.Utf16SequenceLength > max)
                break;
            result.Append(rune.ToString());
        }
        return result.ToString();
    }
}
