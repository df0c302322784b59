using Dapper;
using Mediator;
using Npgsql;
using SupportDesk.Infrastructure.Auth;
using SupportDesk.Infrastructure.Configuration;
using SupportDesk.Infrastructure.Database;
using SupportDesk.Infrastructure.OpenApi;
using SupportDesk.Infrastructure.Search;

namespace SupportDesk.Features.Search.GlobalSearch;

public sealed record GlobalSearchQuery(CurrentUser User, string Query, int Limit, int Offset) : IQuery<GlobalSearchResponse>;

public sealed record GlobalSearchHit([property: OpenApiEnum("ticket", "article")] string Type, Guid Id, string Title, string Snippet, float Rank, long? Number, string? Slug);

public sealed record GlobalSearchCounts(long Tickets, long Articles);

/// <summary>
/// counts are per type and stop at FullTextSql.CandidateLimit matches per source; counts_capped says a source had more
/// (then only its newest matches were ranked). total = tickets + articles, for paging.
/// </summary>
public sealed record GlobalSearchResponse(
    IReadOnlyList<GlobalSearchHit> Items, GlobalSearchCounts Counts, bool CountsCapped, long Total, int Limit, int Offset);

public sealed class GlobalSearchHandler(NpgsqlDataSource dataSource, AppSettings settings) : IQueryHandler<GlobalSearchQuery, GlobalSearchResponse>
{
    // Who sees what, inside the SQL. Customers: the live tickets they may see (TicketVisibility), public comments on those, published
    // articles. Staff: every live ticket, every comment on one, every article. Two texts, not "(@IsStaff OR …)",
    // so each gets the plan that suits it (the requester index for customers, the GIN indexes for staff).
    private const string CustomerTickets = TicketVisibility.CustomerListedTo;
    private const string CustomerArticles = "a.is_published";
    private const string StaffTickets = TicketVisibility.StaffListedTo;
    private const string StaffArticles = "true";
    // An agent restricted to their groups: the tickets TicketVisibility gives them, and every comment on those.
    private const string RestrictedTickets = TicketVisibility.RestrictedListedTo;
    private static readonly string RestrictedComments = $"""
        FROM comments c
        JOIN tickets t ON t.id = c.ticket_id
        WHERE c.search_vector @@ {FullTextSql.TsQuery} {FullTextSql.PhraseKeysFilter("c")} AND {RestrictedTickets}
        """;

    // A customer's comments are found through their own tickets, one small index probe per ticket (OFFSET 0 keeps
    // the planner from flattening it): searched across all comments and joined afterwards, a common phrase read
    // every match in the table to keep the few that were theirs (bench/README.md, search).
    private static readonly string CustomerComments = $"""
        FROM tickets t
        CROSS JOIN LATERAL (
            SELECT c.id, c.ticket_id, c.search_vector, c.created_at
            FROM comments c
            WHERE c.ticket_id = t.id AND c.comment_type = 'public'
              AND c.search_vector @@ {FullTextSql.TsQuery} {FullTextSql.PhraseKeysFilter("c")}
            OFFSET 0
        ) c
        WHERE {TicketVisibility.CustomerListedTo}
        """;
    // Staff: the newest matching comments first, and only those joined to their tickets to drop the deleted ones.
    // Joined before the LIMIT, every match of two common words paid a ticket lookup, so PostgreSQL walked the
    // created_at index through a large share of the comments instead (bench/README.md, search). The slack covers comments
    // of deleted tickets, which are rare; should more than that many sit among the newest, fewer are ranked.
    private static readonly string StaffComments = $"""
        FROM (
            SELECT c.id, c.ticket_id, c.search_vector, c.created_at
            FROM comments c
            WHERE c.search_vector @@ {FullTextSql.TsQuery} {FullTextSql.PhraseKeysFilter("c")}
            ORDER BY {FullTextSql.NewestFirst("c")}
            LIMIT @Cap + {DeletedTicketSlack}
        ) c
        JOIN tickets t ON t.id = c.ticket_id
        WHERE t.deleted_at IS NULL
        """;
    private const int DeletedTicketSlack = FullTextSql.CandidateLimit / 4;

    // Each source takes its newest matches (at most @Cap) through its own GIN or created_at index and ranks only
    // those (the subquery keeps ts_rank off the rows the LIMIT drops).
    private static string TicketSource(string visible) => $"""
        SELECT id AS ticket_id, NULL::uuid AS comment_id, ts_rank(search_vector, {FullTextSql.TsQuery}, 32) AS rank
        FROM (
            SELECT t.id, t.search_vector
            FROM tickets t
            WHERE t.search_vector @@ {FullTextSql.TsQuery} AND {visible} {FullTextSql.PhraseKeysFilter("t")}
            ORDER BY {FullTextSql.NewestFirst("t")}
            LIMIT @Cap
        ) s
        """;

    private static string CommentSource(string fromWhere) => $"""
        SELECT ticket_id, id AS comment_id, ts_rank(search_vector, {FullTextSql.TsQuery}, 32) AS rank
        FROM (
            SELECT c.id, c.ticket_id, c.search_vector
            {fromWhere}
            ORDER BY {FullTextSql.NewestFirst("c")}
            LIMIT @Cap
        ) s
        """;

    private static string ArticleSource(string visible) => $"""
        SELECT id, ts_rank(search_vector, {FullTextSql.TsQuery}, 32) AS rank
        FROM (
            SELECT a.id, a.search_vector
            FROM knowledge_base_articles a
            WHERE a.search_vector @@ {FullTextSql.TsQuery} AND {visible} {FullTextSql.PhraseKeysFilter("a")}
            ORDER BY {FullTextSql.NewestFirst("a")}
            LIMIT @Cap
        ) s
        """;

    // Titles and snippets for the page only, in page order. The ids come from the sources above, which already
    // applied the caller's visibility; a ticket deleted meanwhile drops out.
    private static readonly string PageSql = $"""
        SELECT p.ord, t.number, a.slug, coalesce(t.title, a.title) AS title,
               CASE WHEN p.type = 'article' THEN {FullTextSql.Headline("a.content")}
                    WHEN p.comment_id IS NULL THEN {FullTextSql.Headline("t.description")}
                    ELSE {FullTextSql.Headline("c.content")} END AS snippet
        FROM unnest(@Types::text[], @Ids::uuid[], @CommentIds::uuid[]) WITH ORDINALITY AS p(type, id, comment_id, ord)
        LEFT JOIN tickets t ON p.type = 'ticket' AND t.id = p.id AND t.deleted_at IS NULL
        LEFT JOIN knowledge_base_articles a ON p.type = 'article' AND a.id = p.id
        LEFT JOIN comments c ON c.id = p.comment_id
        WHERE t.id IS NOT NULL OR a.id IS NOT NULL
        ORDER BY p.ord
        """;

    private readonly Statements _customer = new(false, settings.Search.Language);
    private readonly Statements _staff = new(true, settings.Search.Language);
    private readonly Statements _restricted = new(true, settings.Search.Language, restricted: true);
    private readonly string _pageSql = PageSqlFor(settings.Search.Language);

    internal static string PageSqlFor(string language) => PageSql.ForLanguage(language);

    /// <summary>The three source statements a customer's or a staff member's search runs (the benchmark EXPLAINs them).</summary>
    internal static IReadOnlyList<(string Source, string Sql)> SourceSqlFor(bool staff, string language)
    {
        var statements = new Statements(staff, language);
        return [("tickets", statements.Tickets[0]), ("comments", statements.Comments[0]), ("articles", statements.Articles[0])];
    }

    public ValueTask<GlobalSearchResponse> Handle(GlobalSearchQuery query, CancellationToken ct) =>
        SearchAsync(dataSource, query.User.SeesAllTickets ? _staff : query.User.IsStaff ? _restricted : _customer, _pageSql, query, ct);

    /// <summary>
    /// The three sources run at once, each on its own pooled connection when the pool has them, so a search costs its slowest source
    /// rather than the sum of all three (at a million tickets that halved the slow tail). They are merged here: a
    /// ticket ranks by its best hit and shows its own text when that matched, else its best comment.
    /// </summary>
    internal static async ValueTask<GlobalSearchResponse> SearchAsync(NpgsqlDataSource dataSource, Statements sql, string pageSql,
        GlobalSearchQuery query, CancellationToken ct)
    {
        await using var connection = await dataSource.OpenConnectionAsync(ct);
        await using var transaction = await connection.BeginSearchAsync(ct);
        var phraseKeys = await connection.PhraseKeysAsync(transaction, query.Query, sql.Language, ct);
        var keyed = phraseKeys.Length > 0 ? 1 : 0;
        var peers = query.User.IsStaff ? [] : await TicketVisibility.PeersAsync(connection, transaction, query.User.Id, ct);
        var parameters = new { query.Query, PhraseKeys = phraseKeys, UserId = query.User.Id, Peers = peers, Cap = FullTextSql.CandidateLimit };

        // The comments and articles go to connections of their own when the pool has them at once (PooledConnections);
        // otherwise they follow the tickets on this one.
        await using var forComments = await PooledConnections.TryBorrowAsync(dataSource, ct);
        await using var forArticles = forComments is null ? null : await PooledConnections.TryBorrowAsync(dataSource, ct);
        var ticketsTask = connection.QueryAsync<TicketHit>(new CommandDefinition(sql.Tickets[keyed], parameters, transaction, cancellationToken: ct));
        var commentsTask = forComments is null ? null : OnOwnConnectionAsync<TicketHit>(forComments, sql.Comments[keyed], parameters, ct);
        var articlesTask = forArticles is null ? null : OnOwnConnectionAsync<ArticleHit>(forArticles, sql.Articles[keyed], parameters, ct);
        await Task.WhenAll(new Task?[] { ticketsTask, commentsTask, articlesTask }.OfType<Task>());
        var tickets = ticketsTask.Result.AsList();
        var comments = commentsTask is not null ? commentsTask.Result
            : (await connection.QueryAsync<TicketHit>(new CommandDefinition(sql.Comments[keyed], parameters, transaction, cancellationToken: ct))).AsList();
        var articles = articlesTask is not null ? articlesTask.Result
            : (await connection.QueryAsync<ArticleHit>(new CommandDefinition(sql.Articles[keyed], parameters, transaction, cancellationToken: ct))).AsList();

        var ranked = new Dictionary<Guid, Hit>();
        foreach (var hit in tickets.Concat(comments))
        {
            var candidate = new Hit("ticket", hit.TicketId, hit.Rank, hit.CommentId);
            if (!ranked.TryGetValue(hit.TicketId, out var best))
            {
                ranked[hit.TicketId] = candidate;
                continue;
            }
            // Rank is the best of all hits; the snippet comes from the ticket's own text if it matched, else the best comment.
            var snippetFrom = best.CommentId is null ? best : candidate.CommentId is null || candidate.Rank > best.Rank ? candidate : best;
            ranked[hit.TicketId] = snippetFrom with { Rank = Math.Max(best.Rank, candidate.Rank) };
        }
        var page = ranked.Values
            .Concat(articles.Select(a => new Hit("article", a.Id, a.Rank, null)))
            .OrderByDescending(h => h.Rank).ThenBy(h => h.Id, UuidOrder.Instance)
            .Skip(query.Offset).Take(query.Limit)
            .ToList();

        var items = new List<GlobalSearchHit>(page.Count);
        if (page.Count > 0)
        {
            var rows = await connection.QueryAsync<PageRow>(new CommandDefinition(pageSql, new
            {
                query.Query,
                Types = page.Select(h => h.Type).ToArray(),
                Ids = page.Select(h => h.Id).ToArray(),
                CommentIds = page.Select(h => h.CommentId).ToArray(),
                SearchSnippets.Markers,
                SearchSnippets.HeadlineOptions,
            }, transaction, cancellationToken: ct));
            foreach (var row in rows)
            {
                var hit = page[(int)row.Ord - 1];
                items.Add(new GlobalSearchHit(hit.Type, hit.Id, row.Title ?? "", SearchSnippets.ToSnippet(row.Snippet), hit.Rank, row.Number, row.Slug));
            }
        }
        await transaction.CommitAsync(ct);

        var capped = tickets.Count >= FullTextSql.CandidateLimit || comments.Count >= FullTextSql.CandidateLimit
            || articles.Count >= FullTextSql.CandidateLimit;
        return new GlobalSearchResponse(items, new GlobalSearchCounts(ranked.Count, articles.Count), capped,
            ranked.Count + articles.Count, query.Limit, query.Offset);
    }

    private static async Task<List<T>> OnOwnConnectionAsync<T>(NpgsqlConnection connection, string sql, object parameters, CancellationToken ct)
    {
        await using var transaction = await connection.BeginSearchAsync(ct);
        var rows = (await connection.QueryAsync<T>(new CommandDefinition(sql, parameters, transaction, cancellationToken: ct))).AsList();
        await transaction.CommitAsync(ct);
        return rows;
    }

    /// <summary>Each source's statement, without and with the phrase-key condition ([0], [1]), made once.</summary>
    internal sealed class Statements(bool staff, string language, bool restricted = false)
    {
        public string Language { get; } = language;
        public string[] Tickets { get; } = Both(TicketSource(restricted ? RestrictedTickets : staff ? StaffTickets : CustomerTickets), language);
        public string[] Comments { get; } = Both(CommentSource(restricted ? RestrictedComments : staff ? StaffComments : CustomerComments), language);
        public string[] Articles { get; } = Both(ArticleSource(staff ? StaffArticles : CustomerArticles), language);

        private static string[] Both(string sql, string language) =>
            [sql.ForLanguage(language).WithPhraseKeys(false), sql.ForLanguage(language).WithPhraseKeys(true)];
    }

    private sealed record Hit(string Type, Guid Id, float Rank, Guid? CommentId);

    /// <summary>PostgreSQL's uuid order (bytes as written), so ties break the same way on every page.</summary>
    private sealed class UuidOrder : IComparer<Guid>
    {
        public static readonly UuidOrder Instance = new();

        public int Compare(Guid x, Guid y)
        {
            Span<byte> a = stackalloc byte[16];
            Span<byte> b = stackalloc byte[16];
            x.TryWriteBytes(a, bigEndian: true, out _);
            y.TryWriteBytes(b, bigEndian: true, out _);
            return a.SequenceCompareTo(b);
        }
    }

    private sealed class TicketHit
    {
        public Guid TicketId { get; init; }
        public Guid? CommentId { get; init; }
        public float Rank { get; init; }
    }

    private sealed class ArticleHit
    {
        public Guid Id { get; init; }
        public float Rank { get; init; }
    }

    private sealed class PageRow
    {
        public long Ord { get; init; }
        public long? Number { get; init; }
        public string? Slug { get; init; }
        public string? Title { get; init; }
        public string? Snippet { get; init; }
    }
}
