using System.Text.RegularExpressions;

namespace SupportDesk.Infrastructure.Search;

/// <summary>The SQL pieces every full-text source shares: the tsquery, the candidate order, headlines and the language literal.</summary>
public static partial class FullTextSql
{
    /// <summary>
    /// At most this many matches per source (tickets, comments, articles) are ranked: the newest ones. A term that
    /// matches more rows than this ranks only its newest matches and reports capped counts; ranking every
    /// match of a common word would read hundreds of thousands of rows per request.
    /// </summary>
    public const int CandidateLimit = 200;

    /// <summary>Only the start of a long text is scanned for its snippet; ts_headline cost grows with the text.</summary>
    public const int SnippetSourceChars = 20_000;

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
    /// query has required phrases (see M20261125190000_AddSearchPhraseKeys and <see cref="PhraseKeys"/>), and removes it otherwise.
    /// </summary>
    public static string PhraseKeysFilter(string alias) => $"/*phrase-keys:{alias}*/";

    /// <summary>The SQL with every <see cref="PhraseKeysFilter"/> made a condition on @PhraseKeys (or dropped).</summary>
    public static string WithPhraseKeys(this string sql, bool on) =>
        PhraseKeysMarker().Replace(sql, on ? "AND $1.phrase_keys @> @PhraseKeys" : "");

    [GeneratedRegex(@"/\*phrase-keys:(\w+)\*/")]
    private static partial Regex PhraseKeysMarker();

    /// <summary>ts_headline of a text column or expression, with the markers stripped and the length bounded.</summary>
    public static string Headline(string text) =>
        $"ts_headline({Config}, left(translate({text}, @Markers, ''), {SnippetSourceChars}), {TsQuery}, @HeadlineOptions)";

    /// <summary>
    /// The SQL with <see cref="Config"/> replaced by the configuration as a regconfig literal. Only ever a
    /// SEARCH_LANGUAGE value: the settings allow [a-z0-9_] names and start-up checks them against pg_ts_config.
    /// </summary>
    public static string ForLanguage(this string sql, string language)
    {
        if (language.Length == 0 || !language.All(c => c is (>= 'a' and <= 'z') or (>= '0' and <= '9') or '_'))
            throw new ArgumentException("Not a text search configuration name.", nameof(language));
        return sql.Replace(Config, $"'{language}'::regconfig", StringComparison.Ordinal);
    }
}
