using System.Net;
using System.Text;

namespace SupportDesk.Infrastructure.Search;

/// <summary>
/// Highlighted snippets. Private-use characters mark the matches in ts_headline output: the text is stripped of them
/// first (<see cref="FullTextSql.Headline"/>), then the snippet is HTML-encoded and the markers become &lt;mark&gt;
/// tags, so user text never turns into markup.
/// </summary>
public static class SearchSnippets
{
    private const char MarkStart = '\uE000';
    private const char MarkStop = '\uE001';

    /// <summary>Parameter values for @Markers (to strip) and @HeadlineOptions in search SQL.</summary>
    public const string Markers = "\uE000\uE001";
    public const string HeadlineOptions = "StartSel=\uE000, StopSel=\uE001, MaxWords=35, MinWords=15, MaxFragments=2, FragmentDelimiter=\" … \"";

    /// <summary>ts_headline output (with marker characters) as HTML-encoded text with &lt;mark&gt; around the matches.</summary>
    public static string ToSnippet(string? headline)
    {
        if (string.IsNullOrEmpty(headline))
            return "";
        var html = new StringBuilder(headline.Length + 32);
        var marked = false;
        var start = 0;
        for (var i = 0; i <= headline.Length; i++)
        {
            if (i < headline.Length && headline[i] != MarkStart && headline[i] != MarkStop)
                continue;
            html.Append(WebUtility.HtmlEncode(headline[start..i]));
            if (i < headline.Length)
            {
                if (headline[i] == MarkStart && !marked)
                    html.Append("<mark>");
                else if (headline[i] == MarkStop && marked)
                    html.Append("</mark>");
                marked = headline[i] == MarkStart;
            }
            start = i + 1;
        }
        if (marked)
            html.Append("</mark>");
        return html.ToString();
    }
}
