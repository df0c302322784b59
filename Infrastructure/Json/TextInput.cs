using System.Text;

namespace SupportDesk.Infrastructure.Json;

/// <summary>
/// What text the service takes in. Every string, in every field, must be storable: no NUL (PostgreSQL's text
/// cannot hold it and answers SQLSTATE 22021) and no unpaired surrogate (it has no UTF-8 form, so it would be
/// stored as U+FFFD: a different text from the one sent). Single-line fields (names, email, title, category,
/// tags, subject) must also be one line: see <see cref="IsSingleLine"/>.
/// </summary>
/// <remarks>
/// Accepted and stored as sent, everywhere: bidi controls (U+200E/F, U+202A–E, U+2066–9), because Arabic and
/// Hebrew writers need them in mixed-direction text and the spoofing they allow is a rendering matter (isolate
/// user text with dir="auto" / &lt;bdi&gt;) that refusing cannot fix; and unnormalised text ("e\u0301" and "é"
/// stay different), because the service runs with invariant globalization, where string.Normalize cannot be
/// relied on to compose them, and silently rewriting what users typed is worse than keeping it.
/// </remarks>
public static class TextInput
{
    public static string NotStorableMessage(string field) => $"'{field}' must be valid Unicode text without NUL characters.";

    public static bool IsStorable(ReadOnlySpan<char> text)
    {
        if (text.Contains('\0'))
            return false;
        var first = text.IndexOfAnyInRange('\uD800', '\uDFFF');
        if (first < 0)
            return true;
        for (var i = first; i < text.Length; i++)
        {
            if (!char.IsSurrogate(text[i]))
                continue;
            if (!char.IsHighSurrogate(text[i]) || i + 1 == text.Length || !char.IsLowSurrogate(text[i + 1]))
                return false;
            i++;
        }
        return true;
    }

    /// <summary>
    /// No control characters (C0 incl. CR, LF and TAB, DEL, C1), no U+2028/U+2029 line separators and no Unicode
    /// non-characters (U+FFFE, U+FFFF, U+FDD0–U+FDEF, U+nFFFE/F). These fields end up in mail headers and one-line
    /// displays, where a line break splits a header (injection) and the rest never belong in a name or a title.
    /// </summary>
    public static bool IsSingleLine(string? text)
    {
        if (text is null || !text.AsSpan().ContainsAnyExceptInRange(' ', '~'))
            return true;
        foreach (var rune in text.EnumerateRunes())
        {
            if (Rune.IsControl(rune) || rune.Value is 0x2028 or 0x2029 or >= 0xFDD0 and <= 0xFDEF || (rune.Value & 0xFFFE) == 0xFFFE)
                return false;
        }
        return IsStorable(text);
    }
}
