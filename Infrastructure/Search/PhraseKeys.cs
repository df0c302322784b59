using Dapper;
using Npgsql;

namespace SupportDesk.Infrastructure.Search;

/// <summary>
/// The phrase keys of a query's required quoted phrases (see M20261125190000_AddSearchPhraseKeys): a row holding the
/// phrase holds all its keys, so the GIN index on phrase_keys narrows a phrase search before the tsquery runs.
/// </summary>
public static class PhraseKeys
{
    private const string PhraseKeysSql = $"SELECT search_query_phrase_keys({FullTextSql.Config}, @Phrases)";

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
}
