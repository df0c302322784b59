using System.Text;
using System.Text.RegularExpressions;
using MimeKit;
using MimeKit.Text;

namespace SupportDesk.Features.Inbound;

/// <summary>
/// The text a mail adds: its plain-text part (or its HTML part turned into plain text: no markup from mail is ever
/// shown as HTML), without the quoted history mail clients append, nor a signature after "-- ".
/// </summary>
public static partial class ReplyText
{
    /// <summary>The whole decoded text of the message, as plain text (the original staff can read).</summary>
    public static string FullText(MimeMessage message)
    {
        if (message.TextBody is { } text)
            return Storable(text);
        if (message.HtmlBody is { } html)
            return Storable(HtmlToText(html));
        return "";
    }

    /// <summary>
    /// Plain text from HTML: the text nodes, line breaks for block elements, "> " before what a blockquote holds; scripts,
    /// styles and every tag and attribute dropped (nothing from the HTML reaches anyone as markup).
    /// </summary>
    public static string HtmlToText(string html)
    {
        var output = new StringBuilder(html.Length / 2);
        var tokenizer = new HtmlTokenizer(new StringReader(html));
        int quoteDepth = 0, skipDepth = 0;
        var atLineStart = true;
        void NewLine()
        {
            output.Append('\n');
            atLineStart = true;
        }
        while (tokenizer.ReadNextToken(out var token))
        {
            switch (token)
            {
                case HtmlTagToken tag:
                    var id = tag.Id;
                    if (id is HtmlTagId.Script or HtmlTagId.Style or HtmlTagId.Head or HtmlTagId.Title)
                    {
                        if (!tag.IsEmptyElement)
                            skipDepth = Math.Max(0, skipDepth + (tag.IsEndTag ? -1 : 1));
                        break;
                    }
                    if (id == HtmlTagId.BlockQuote)
                    {
                        quoteDepth = Math.Max(0, quoteDepth + (tag.IsEndTag ? -1 : 1));
                        NewLine();
                    }
                    else if (id is HtmlTagId.Br or HtmlTagId.P or HtmlTagId.Div or HtmlTagId.LI or HtmlTagId.TR or HtmlTagId.H1 or HtmlTagId.H2
                             or HtmlTagId.H3 or HtmlTagId.H4 or HtmlTagId.H5 or HtmlTagId.H6 or HtmlTagId.Table or HtmlTagId.UL or HtmlTagId.OL or HtmlTagId.HR)
                    {
                        if (id == HtmlTagId.Br || !atLineStart)
                            NewLine();
                    }
                    break;
                case HtmlDataToken data when skipDepth == 0:
                    var text = Spaces().Replace(data.Data, " ");
                    if (atLineStart)
                        text = text.TrimStart();
                    if (text.Length == 0)
                        break;
                    if (atLineStart && quoteDepth > 0)
                        output.Append(new string('>', quoteDepth)).Append(' ');
                    output.Append(text);
                    atLineStart = false;
                    break;
            }
        }
        return BlankLines().Replace(output.ToString(), "\n\n").Trim();
    }

    /// <summary>The new text only. Falls back to the whole text when stripping would leave nothing.</summary>
    public static string NewText(string full)
    {
        var lines = full.Replace("\r\n", "\n", StringComparison.Ordinal).Split('\n');
        var end = lines.Length;
        for (var i = 0; i < lines.Length; i++)
        {
            var line = lines[i].TrimEnd();
            var next = i + 1 < lines.Length ? lines[i + 1].Trim() : "";
            // Gmail wraps a long "On … <address>" line before its "wrote:".
            if (lines[i] == "-- " || IsQuoteHeader(line) || (next.Length > 0 && next.EndsWith(':') && IsQuoteHeader(line + " " + next))
                || IsOutlookSeparator(line, next))
            {
                end = i;
                break;
            }
        }
        // A trailing block of "> " lines (a client that quotes without a header line).
        while (end > 0 && (lines[end - 1].TrimStart().StartsWith('>') || string.IsNullOrWhiteSpace(lines[end - 1])))
            end--;
        var kept = string.Join("\n", lines[..end]).Trim();
        return kept.Length > 0 ? kept : full.Trim();
    }

    // A date or an address in it: "what my colleague wrote:" in a sentence is not a quote header.
    private static bool IsQuoteHeader(string line) =>
        line.Length < 400 && QuoteHeader().IsMatch(line) && (line.Any(char.IsAsciiDigit) || line.Contains('@'));

    // Outlook: "-----Original Message-----" (and its translations), or a rule line followed by "From:".
    private static bool IsOutlookSeparator(string line, string next) =>
        OriginalMessage().IsMatch(line)
        || (line.StartsWith("________________________________", StringComparison.Ordinal) && FromLine().IsMatch(next.Trim()))
        || (FromLine().IsMatch(line) && next.TrimStart().StartsWith("Sent:", StringComparison.OrdinalIgnoreCase));

    /// <summary>Text as PostgreSQL stores it and people read it: no NUL or other control characters but tab and newline, no lone surrogates.</summary>
    public static string Storable(string text)
    {
        var builder = new StringBuilder(text.Length);
        for (var i = 0; i < text.Length; i++)
        {
            var c = text[i];
            if (char.IsHighSurrogate(c) && i + 1 < text.Length && char.IsLowSurrogate(text[i + 1]))
            {
                builder.Append(c).Append(text[++i]);
                continue;
            }
            if (char.IsSurrogate(c) || (char.IsControl(c) && c is not '\n' and not '\t' and not '\r'))
                continue;
            builder.Append(c);
        }
        return builder.ToString().Replace("\r\n", "\n", StringComparison.Ordinal).Replace('\r', '\n');
    }

    /// <summary>A header value for a title or a name: one line, no controls, no bidirectional overrides (they disguise text).</summary>
    public static string HeaderText(string? value)
    {
        var storable = Storable(value ?? "").Replace('\n', ' ').Replace('\t', ' ');
        var builder = new StringBuilder(storable.Length);
        foreach (var c in storable)
            if (c is not (>= '\u202A' and <= '\u202E') and not (>= '\u2066' and <= '\u2069') and not '\u200E' and not '\u200F' and not '\u061C')
                builder.Append(c);
        return Spaces().Replace(builder.ToString(), " ").Trim();
    }

    /// <summary>At most <paramref name="max"/> characters, cut with a note that says so.</summary>
    public static string Bounded(string text, int max, string note)
    {
        if (text.Length <= max)
            return text;
        var cut = max - note.Length;
        if (cut > 0 && char.IsHighSurrogate(text[cut - 1]))
            cut--;
        return text[..cut] + note;
    }

    // "On … wrote:" and its kin: Gmail, Apple Mail, Thunderbird, and the same in common languages.
    [GeneratedRegex(@"^(On\s.+\swrote:|On\s.+,\s.+\swrote:|Am\s.+\sschrieb\s.*:|Le\s.+\sa\s[ée]crit\s?:|El\s.+\sescribi[óo]:|Op\s.+\sschreef\s.*:|Il\s.+\sha\sscritto:|Em\s.+\sescreveu:|Den\s.+\sskrev\s.*:|W\sdniu\s.+\spisze:|.+\s(wrote|schrieb|a écrit|escribió|schreef|ha scritto|escreveu|skrev|napisał)\s?:)$",
        RegexOptions.CultureInvariant | RegexOptions.IgnoreCase)]
    private static partial Regex QuoteHeader();

    [GeneratedRegex(@"^-{2,}\s*(Original Message|Ursprüngliche Nachricht|Message d'origine|Mensaje original|Oorspronkelijk bericht|Messaggio originale|Mensagem original|Ursprungligt meddelande|Forwarded message)\s*-{2,}$",
        RegexOptions.CultureInvariant | RegexOptions.IgnoreCase)]
    private static partial Regex OriginalMessage();

    [GeneratedRegex(@"^(From|Von|De|Van|Da|Från|Od):\s", RegexOptions.CultureInvariant | RegexOptions.IgnoreCase)]
    private static partial Regex FromLine();

    [GeneratedRegex(@"\s+")]
    private static partial Regex Spaces();

    [GeneratedRegex(@"\n[ \t]*(\n[ \t]*){2,}")]
    private static partial Regex BlankLines();
}
