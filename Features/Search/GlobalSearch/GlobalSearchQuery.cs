using Dapper;
using Mediator;
using Npgsql;
using SupportDesk.Infrastructure.Auth;
using SupportDesk.Infrastructure.Configuration;

namespace SupportDesk.Features.Search.GlobalSearch;

public sealed record GlobalSearchQuery(CurrentUser User, string Query, int Limit, int Offset) : IQuery<GlobalSearchResponse>;

public sealed record GlobalSearchItem(string Type, Guid Id, string Title, string Snippet, float Rank, long? Number, string? Slug);

public sealed record GlobalSearchCounts(long Tickets, long Articles);

/// <summary>
/// counts are per type and stop at SearchRules.CandidateLimit matches per source; counts_capped says a source had more
/// (then only its newest matches were ranked). total = tickets + articles, for paging.
/// </summary>
public sealed record GlobalSearchResponse(
    IReadOnlyList<GlobalSearchItem> Items, GlobalSearchCounts Counts, bool CountsCapped, long Total, int Limit, int Offset);

public sealed class GlobalSearchHandler(NpgsqlDataSource dataSource, AppSettings settings) : IQueryHandler<GlobalSearchQuery, GlobalSearchResponse>
{
    // Who sees what, inside the SQL. Customers: their own live tickets, public comments on those, published
    // articles. Staff: every live ticket, every comment on one, every article. Two texts, not "(@IsStaff OR …)",
    // so each gets the plan that suits it (the requester index for customers, the GIN indexes for staff).
    private const string CustomerTickets = "t.deleted_at IS NULL AND t.requester_id = @UserId";
    private const string CustomerArticles = "a.is_published";
    private const string StaffTickets = "t.deleted_at IS NULL";
    private const string StaffArticles = "true";

    // A customer's comments are found through their own tickets, one small index probe per ticket (OFFSET 0 keeps
    // the planner from flattening it): searched across all two million comments and joined afterwards, a common
    // phrase cost 130 ms for the 18 that were theirs.
    private static readonly string CustomerComments = $"""
        FROM tickets t
        CROSS JOIN LATERAL (
            SELECT c.id, c.ticket_id, c.search_vector, c.created_at
            FROM comments c
            WHERE c.ticket_id = t.id AND c.comment_type = 'public'
              AND c.search_vector @@ {SearchRules.TsQuery} {SearchRules.PhraseKeysFilter("c")}
            OFFSET 0
        ) c
        WHERE t.deleted_at IS NULL AND t.requester_id = @UserId
        """;
    private static readonly string StaffComments = $"""
        FROM comments c
        JOIN tickets t ON t.id = c.ticket_id
        WHERE c.search_vector @@ {SearchRules.TsQuery} AND t.deleted_at IS NULL {SearchRules.PhraseKeysFilter("c")}
        """;

    // [staff, phrase keys]: the four statements, made once.
    private readonly string[] _sql = [.. from staff in new[] { false, true } from keys in new[] { false, true }
                                        select SqlFor(staff, settings.SearchLanguage).WithPhraseKeys(keys)];

    // Each source takes its newest matches (at most @Cap) through its own GIN or created_at index; they are ranked,
    // merged into one list, paged, and only then are titles joined and snippets made for the page.
    private static string BuildSql(string tickets, string comments, string articles) => $"""
        WITH ticket_candidates AS MATERIALIZED (
            SELECT t.id, t.search_vector
            FROM tickets t
            WHERE t.search_vector @@ {SearchRules.TsQuery} AND {tickets} {SearchRules.PhraseKeysFilter("t")}
            ORDER BY {SearchRules.NewestFirst("t")}
            LIMIT @Cap
        ),
        comment_candidates AS MATERIALIZED (
            SELECT c.id, c.ticket_id, c.search_vector
            {comments}
            ORDER BY {SearchRules.NewestFirst("c")}
            LIMIT @Cap
        ),
        article_candidates AS MATERIALIZED (
            SELECT a.id, a.search_vector
            FROM knowledge_base_articles a
            WHERE a.search_vector @@ {SearchRules.TsQuery} AND {articles} {SearchRules.PhraseKeysFilter("a")}
            ORDER BY {SearchRules.NewestFirst("a")}
            LIMIT @Cap
        ),
        ticket_hits AS (
            SELECT id AS ticket_id, NULL::uuid AS comment_id, ts_rank(search_vector, {SearchRules.TsQuery}, 32) AS rank
            FROM ticket_candidates
            UNION ALL
            SELECT ticket_id, id, ts_rank(search_vector, {SearchRules.TsQuery}, 32)
            FROM comment_candidates
        ),
        -- A ticket ranks by its best hit; its snippet comes from its own text when that matched, else its best comment.
        ticket_ranked AS (
            SELECT ticket_id AS id, max(rank) AS rank,
                   (array_agg(comment_id ORDER BY comment_id IS NOT NULL, rank DESC))[1] AS comment_id
            FROM ticket_hits
            GROUP BY ticket_id
        ),
        hits AS (
            SELECT 'ticket' AS type, id, rank, comment_id FROM ticket_ranked
            UNION ALL
            SELECT 'article', id, ts_rank(search_vector, {SearchRules.TsQuery}, 32), NULL::uuid FROM article_candidates
        ),
        page AS (
            SELECT type, id, rank, comment_id FROM hits ORDER BY rank DESC, id LIMIT @Limit OFFSET @Offset
        ),
        counts AS (
            SELECT (SELECT count(*) FROM ticket_ranked) AS ticket_count,
                   (SELECT count(*) FROM article_candidates) AS article_count,
                   (SELECT count(*) FROM ticket_candidates) >= @Cap OR (SELECT count(*) FROM comment_candidates) >= @Cap
                       OR (SELECT count(*) FROM article_candidates) >= @Cap AS capped
        )
        SELECT counts.ticket_count, counts.article_count, counts.capped,
               p.type, p.id, p.rank, t.number, a.slug, coalesce(t.title, a.title) AS title,
               CASE WHEN p.type = 'article' THEN {SearchRules.Headline("a.content")}
                    WHEN p.comment_id IS NULL THEN {SearchRules.Headline("t.description")}
                    ELSE {SearchRules.Headline("c.content")} END AS snippet
        FROM counts
        LEFT JOIN page p ON true
        LEFT JOIN tickets t ON p.type = 'ticket' AND t.id = p.id
        LEFT JOIN knowledge_base_articles a ON p.type = 'article' AND a.id = p.id
        LEFT JOIN comments c ON c.id = p.comment_id
        ORDER BY p.rank DESC, p.id
        """;

    /// <summary>The statement a customer's or a staff member's search runs (the benchmark EXPLAINs it).</summary>
    internal static string SqlFor(bool staff, string language) =>
        (staff ? BuildSql(StaffTickets, StaffComments, StaffArticles) : BuildSql(CustomerTickets, CustomerComments, CustomerArticles)).ForLanguage(language);

    public async ValueTask<GlobalSearchResponse> Handle(GlobalSearchQuery query, CancellationToken ct)
    {
        await using var connection = await dataSource.OpenConnectionAsync(ct);
        await using var transaction = await connection.BeginSearchAsync(ct);
        var phraseKeys = await connection.PhraseKeysAsync(transaction, query.Query, settings.SearchLanguage, ct);
        var sql = _sql[(query.User.IsStaff ? 2 : 0) + (phraseKeys.Length > 0 ? 1 : 0)];
        var rows = (await connection.QueryAsync<Row>(new CommandDefinition(sql, new
        {
            query.Query,
            PhraseKeys = phraseKeys,
            UserId = query.User.Id,
            Cap = SearchRules.CandidateLimit,
            query.Limit,
            query.Offset,
            SearchRules.Markers,
            SearchRules.HeadlineOptions,
        }, transaction, cancellationToken: ct))).AsList();
        await transaction.CommitAsync(ct);

        var first = rows[0];
        var items = rows.Where(r => r.Id is not null)
            .Select(r => new GlobalSearchItem(r.Type!, r.Id!.Value, r.Title ?? "", SearchRules.ToSnippet(r.Snippet), r.Rank ?? 0, r.Number, r.Slug))
            .ToList();
        return new GlobalSearchResponse(items, new GlobalSearchCounts(first.TicketCount, first.ArticleCount), first.Capped,
            first.TicketCount + first.ArticleCount, query.Limit, query.Offset);
    }

    private sealed class Row
    {
        public long TicketCount { get; init; }
        public long ArticleCount { get; init; }
        public bool Capped { get; init; }
        public string? Type { get; init; }
        public Guid? Id { get; init; }
        public float? Rank { get; init; }
        public long? Number { get; init; }
        public string? Slug { get; init; }
        public string? Title { get; init; }
        public string? Snippet { get; init; }
    }
}
