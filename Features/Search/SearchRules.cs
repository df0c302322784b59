using System.Net;
using System.Text;
using System.Text.RegularExpressions;
using Dapper;
using FluentValidation;
using Npgsql;

namespace SupportDesk.Features.Search;

/// <summary>
/// What every full-text route shares: the query rules, the candidate cap, how a search transaction is set up
/// and how ts_headline output becomes a safe snippet.
/// </summary>
public static partial class SearchRules
{
    /// <summary>Longer queries are refused (400): nobody types more, and it bounds the tsquery's size.</summary>
    public const int MaxQueryLength = 256;

    /// <summary>
    /// At most this many matches per source (tickets, comments, articles) are ranked: the newest ones. A term that
    /// matches more rows than this ranks only its newest matches and reports capped counts; ranking every
    /// match of a common word would read hundreds of thousands of rows per request.
    /// </summary>
    public const int CandidateLimit = 200;

    public const int DefaultLimit = 20;
    public const int MaxLimit = 50;
    public const int MaxOffset = CandidateLimit - 1;

    /// <summary>Only the start of a long text is scanned for its snippet; ts_headline cost grows with the text.</summary>
    public const int SnippetSourceChars = 20_000;

    // Private-use characters as highlight markers: the text is stripped of them first, then the snippet is
    // HTML-encoded and the markers become <mark> tags, so user text never turns into markup.
    private const char MarkStart = '\uE000';
    private const char MarkStop = '\uE001';

    /// <summary>Parameter values for @Markers (to strip) and @HeadlineOptions in search SQL.</summary>
    public const string Markers = "\uE000\uE001";
    public const string HeadlineOptions = "StartSel=\uE000, StopSel=\uE001, MaxWords=35, MinWords=15, MaxFragments=2, FragmentDelimiter=\" … \"";

    /// <summary>
    /// Stands for the text search configuration in search SQL; <see cref="ForLanguage"/> replaces it with a
    /// literal. A literal, not a parameter: text-to-regconfig is a stable cast, so with a parameter the planner
    /// cannot fold websearch_to_tsquery(…) into a constant and re-parses the query for every row it filters.
    /// </summary>
    public const string Config = "__search_config__";

    /// <summary>The tsquery of @Query (quotes, or, -exclusions; never a syntax error).</summary>
    public const string TsQuery = $"websearch_to_tsquery({Config}, @Query)";

    /// <summary>
    /// ORDER BY for the candidate scans: newest first. The CASE folds to one branch when the statement is planned.
    /// PostgreSQL estimates a phrase ("a b", or a hyphenated word) like the AND of its words, walks the created_at
    /// index expecting frequent hits and can read most of the table; for phrases the sort key is made unindexable,
    /// so the GIN index supplies the (far fewer) rows holding all the words and only those are sorted.
    /// </summary>
    public static string NewestFirst(string alias) =>
        $"CASE WHEN strpos({TsQuery}::text, '<') > 0 THEN {alias}.created_at + interval '0 s' ELSE {alias}.created_at END DESC, {alias}.id DESC";

    /// <summary>
    /// Stands in a source's WHERE clause; <see cref="WithPhraseKeys"/> turns it into the phrase-key condition when the
    /// query has required phrases (see M20261125190000_AddSearchPhraseKeys), and removes it otherwise.
    /// </summary>
    public static string PhraseKeysFilter(string alias) => $"/*phrase-keys:{alias}*/";

    /// <summary>The SQL with every <see cref="PhraseKeysFilter"/> made a condition on @PhraseKeys (or dropped).</summary>
    public static string WithPhraseKeys(this string sql, bool on) =>
        PhraseKeysMarker().Replace(sql, on ? "AND $1.phrase_keys @> @PhraseKeys" : "");

    [GeneratedRegex(@"/\*phrase-keys:(\w+)\*/")]
    private static partial Regex PhraseKeysMarker();

    private const string PhraseKeysSql = $"SELECT search_query_phrase_keys({Config}, @Phrases)";

    /// <summary>
    /// The phrase keys every match of <paramref name="query"/> must hold: none when it has no quoted phrase that
    /// all matches need. Empty means "no phrase-key condition", never "matches nothing".
    /// </summary>
    public static async Task<int[]> PhraseKeysAsync(this NpgsqlConnection connection, NpgsqlTransaction transaction, string query,
        string language, CancellationToken ct)
    {
        var phrases = RequiredPhrases(query);
        if (phrases.Count == 0)
            return [];
        return await connection.ExecuteScalarAsync<int[]>(new CommandDefinition(PhraseKeysSql.ForLanguage(language),
            new { Phrases = phrases.ToArray() }, transaction, cancellationToken: ct)) ?? [];
    }

    /// <summary>
    /// The quoted phrases of a websearch_to_tsquery query that every match must contain. Conservative: a query with
    /// the word "or" outside quotes (a phrase may be one alternative), an unclosed quote, or a quote glued to
    /// other text gives none; a phrase after "-" is excluded, not required, so it is skipped. Leaving a phrase
    /// out only costs speed; taking one in wrongly would lose results.
    /// </summary>
    public static List<string> RequiredPhrases(string query)
    {
        var phrases = new List<string>();
        var i = 0;
        while (i < query.Length)
        {
            if (query[i] != '"')
            {
                var end = query.IndexOf('"', i);
                var outside = end < 0 ? query[i..] : query[i..end];
                if (outside.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries).Any(w => w.Equals("or", StringComparison.OrdinalIgnoreCase)))
                    return [];
                if (end < 0)
                    break;
                i = end;
                continue;
            }
            var close = query.IndexOf('"', i + 1);
            if (close < 0)
                return [];
            var before = i == 0 ? ' ' : query[i - 1];
            var after = close + 1 == query.Length ? ' ' : query[close + 1];
            if (!char.IsWhiteSpace(after) || !(char.IsWhiteSpace(before) || before == '-'))
                return [];
            var previous = query.AsSpan(0, i).TrimEnd();
            if (previous.Length == 0 || previous[^1] != '-') // "-" (even "- ") before it: an exclusion
                phrases.Add(query[(i + 1)..close]);
            i = close + 1;
        }
        return phrases;
    }

    /// <summary>ts_headline of a text column or expression, with the markers stripped and the length bounded.</summary>
    public static string Headline(string text) =>
        $"ts_headline({Config}, left(translate({text}, @Markers, ''), {SnippetSourceChars}), {TsQuery}, @HeadlineOptions)";

    /// <summary>
    /// The SQL with <see cref="Config"/> replaced by the configuration as a regconfig literal. Only ever a
    /// SEARCH_LANGUAGE value: AppSettings allows [a-z0-9_] names and start-up checks them against pg_ts_config.
    /// </summary>
    public static string ForLanguage(this string sql, string language)
    {
        if (language.Length == 0 || !language.All(c => c is (>= 'a' and <= 'z') or (>= '0' and <= '9') or '_'))
            throw new ArgumentException("Not a text search configuration name.", nameof(language));
        return sql.Replace(Config, $"'{language}'::regconfig", StringComparison.Ordinal);
    }

    /// <summary>The rules for a free-text query parameter (query, or q on /tickets).</summary>
    public static IRuleBuilderOptions<T, string?> ValidSearchQuery<T>(this IRuleBuilder<T, string?> rule) =>
        rule.NotEmpty()
            .MaximumLength(MaxQueryLength)
            .Must(IsWellFormedText).WithMessage("'{PropertyName}' must be text without NUL characters or broken Unicode.");

    private static bool IsWellFormedText(string? text)
    {
        if (text is null)
            return true;
        if (text.Contains('\0'))
            return false;
        for (var i = 0; i < text.Length; i++)
        {
            if (char.IsHighSurrogate(text[i]) && i + 1 < text.Length && char.IsLowSurrogate(text[i + 1]))
                i++;
            else if (char.IsSurrogate(text[i]))
                return false;
        }
        return true;
    }

    private const string SearchTransactionSql = """
        SET LOCAL plan_cache_mode = force_custom_plan;
        SET LOCAL statement_timeout = 10000;
        SET LOCAL jit = off;
        """;

    /// <summary>
    /// A read-only transaction for one search. Plans are made for each query's own words: a cached generic plan
    /// cannot know whether a term matches ten rows or half the table, and picks badly for one of them. No JIT: a
    /// scan estimated above jit_above_cost spent 20-25 ms compiling expressions for a query that runs in 10-40 ms.
    /// </summary>
    public static async Task<NpgsqlTransaction> BeginSearchAsync(this NpgsqlConnection connection, CancellationToken ct)
    {
        var transaction = await connection.BeginTransactionAsync(System.Data.IsolationLevel.ReadCommitted, ct);
        await connection.ExecuteAsync(new CommandDefinition(SearchTransactionSql, transaction: transaction, cancellationToken: ct));
        return transaction;
    }

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
