using Dapper;
using Mediator;
using Npgsql;
using SupportDesk.Infrastructure.Configuration;
using SupportDesk.Infrastructure.Search;

namespace SupportDesk.Features.KnowledgeBase.SearchArticles;

public sealed record SearchArticlesQuery(string Query, string? Category, bool SeesDrafts, int Limit, int Offset) : IQuery<ArticleSearchResponse>;

public sealed class ArticleSearchHit
{
    public Guid Id { get; init; }
    public string Title { get; init; } = "";
    public string Slug { get; init; } = "";
    public string Category { get; init; } = "";
    public string[] Tags { get; init; } = [];
    public bool IsPublished { get; init; }
    public long ViewCount { get; init; }
    public DateTime CreatedAt { get; init; }
    public DateTime UpdatedAt { get; init; }
    /// <summary>HTML-encoded text with &lt;mark&gt; around the matched words.</summary>
    public string Snippet { get; init; } = "";
    public float Rank { get; init; }
}

/// <summary>
/// Best first. total counts matches up to FullTextSql.CandidateLimit; total_capped says more matched, in which case
/// only the newest CandidateLimit matches were ranked.
/// </summary>
public sealed record ArticleSearchResponse(IReadOnlyList<ArticleSearchHit> Items, long Total, bool TotalCapped, int Limit, int Offset);

public sealed class SearchArticlesHandler(NpgsqlDataSource dataSource, AppSettings settings) : IQueryHandler<SearchArticlesQuery, ArticleSearchResponse>
{
    // The candidates are the newest matches (the planner walks the created_at index for common words and the GIN
    // index for rare ones); only they are ranked, and only the returned page gets a ts_headline.
    private static readonly string SqlTemplate = $"""
        WITH candidates AS MATERIALIZED (
            SELECT a.id, a.search_vector
            FROM knowledge_base_articles a
            WHERE a.search_vector @@ {FullTextSql.TsQuery} /*filters*/ {FullTextSql.PhraseKeysFilter("a")}
            ORDER BY {FullTextSql.NewestFirst("a")}
            LIMIT @Cap
        ),
        page AS (
            SELECT id, ts_rank(search_vector, {FullTextSql.TsQuery}, 32) AS rank
            FROM candidates
            ORDER BY rank DESC, id
            LIMIT @Limit OFFSET @Offset
        )
        SELECT (SELECT count(*) FROM candidates) AS total, p.rank,
               a.id, a.title, a.slug, a.category, a.tags, a.is_published, a.view_count, a.created_at, a.updated_at,
               {FullTextSql.Headline("a.content")} AS snippet
        FROM (SELECT 1) AS one
        LEFT JOIN (page p JOIN knowledge_base_articles a ON a.id = p.id) ON true
        ORDER BY p.rank DESC, p.id
        """;

    private const string Published = " AND a.is_published";
    private const string InCategory = " AND a.category = @Category";

    /// <summary>The statement for a caller who does or does not see drafts, with or without a category (the benchmark EXPLAINs it).</summary>
    internal static string SqlFor(bool seesDrafts, bool inCategory, string language) =>
        SqlTemplate.Replace("/*filters*/", (seesDrafts ? "" : Published) + (inCategory ? InCategory : ""), StringComparison.Ordinal)
            .ForLanguage(language);

    // [drafts, category, phrase keys]: the eight statements, made once (a singleton; the language is fixed at start-up).
    private readonly string[] _sql = [.. from drafts in new[] { false, true } from category in new[] { false, true }
                                        from keys in new[] { false, true }
                                        select SqlFor(drafts, category, settings.Search.Language).WithPhraseKeys(keys)];

    public async ValueTask<ArticleSearchResponse> Handle(SearchArticlesQuery query, CancellationToken ct)
    {
        await using var connection = await dataSource.OpenConnectionAsync(ct);
        await using var transaction = await connection.BeginSearchAsync(ct);
        var phraseKeys = await connection.PhraseKeysAsync(transaction, query.Query, settings.Search.Language, ct);
        var sql = _sql[(query.SeesDrafts ? 4 : 0) + (query.Category is null ? 0 : 2) + (phraseKeys.Length > 0 ? 1 : 0)];
        var rows = (await connection.QueryAsync<Row>(new CommandDefinition(sql, new
        {
            query.Query,
            PhraseKeys = phraseKeys,
            query.Category,
            Cap = FullTextSql.CandidateLimit,
            query.Limit,
            query.Offset,
            SearchSnippets.Markers,
            SearchSnippets.HeadlineOptions,
        }, transaction, cancellationToken: ct))).AsList();
        await transaction.CommitAsync(ct);

        var total = rows.Count == 0 ? 0 : rows[0].Total;
        var items = rows.Where(r => r.Id is not null).Select(r => new ArticleSearchHit
        {
            Id = r.Id!.Value,
            Title = r.Title!,
            Slug = r.Slug!,
            Category = r.Category!,
            Tags = r.Tags ?? [],
            IsPublished = r.IsPublished ?? false,
            ViewCount = r.ViewCount ?? 0,
            CreatedAt = r.CreatedAt ?? default,
            UpdatedAt = r.UpdatedAt ?? default,
            Snippet = SearchSnippets.ToSnippet(r.Snippet),
            Rank = r.Rank ?? 0,
        }).ToList();
        return new ArticleSearchResponse(items, total, total >= FullTextSql.CandidateLimit, query.Limit, query.Offset);
    }

    private sealed class Row
    {
        public long Total { get; init; }
        public float? Rank { get; init; }
        public Guid? Id { get; init; }
        public string? Title { get; init; }
        public string? Slug { get; init; }
        public string? Category { get; init; }
        public string[]? Tags { get; init; }
        public bool? IsPublished { get; init; }
        public long? ViewCount { get; init; }
        public DateTime? CreatedAt { get; init; }
        public DateTime? UpdatedAt { get; init; }
        public string? Snippet { get; init; }
    }
}
