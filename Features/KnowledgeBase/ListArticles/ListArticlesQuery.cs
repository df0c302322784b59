using System.Text;
using Dapper;
using Mediator;
using Npgsql;
using SupportDesk.Infrastructure.Http;

namespace SupportDesk.Features.KnowledgeBase.ListArticles;

public sealed record ListArticlesQuery(bool SeesDrafts, string? Category, string? Tag, bool? Published, int Limit, int Offset)
    : IQuery<PagedResponse<ArticleSummary>>;

public sealed class ListArticlesHandler(NpgsqlDataSource dataSource) : IQueryHandler<ListArticlesQuery, PagedResponse<ArticleSummary>>
{
    public async ValueTask<PagedResponse<ArticleSummary>> Handle(ListArticlesQuery query, CancellationToken ct)
    {
        // Fixed, parameterised conditions per filter, so each combination gets an index-friendly plan.
        var where = new StringBuilder(query.SeesDrafts ? "true" : "a.is_published");
        if (query.Category is not null) where.Append(" AND a.category = @Category");
        if (query.Tag is not null) where.Append(" AND a.tags @> ARRAY[@Tag]::text[]");
        if (query.Published is not null) where.Append(" AND a.is_published = @Published");

        var sql = $"""
            SELECT {ArticleSummary.Columns}
            FROM knowledge_base_articles a
            WHERE {where}
            ORDER BY a.created_at DESC, a.id DESC
            LIMIT @Limit OFFSET @Offset;

            SELECT count(*) FROM knowledge_base_articles a WHERE {where};
            """;

        await using var connection = await dataSource.OpenConnectionAsync(ct);
        await using var results = await connection.QueryMultipleAsync(new CommandDefinition(sql, query, cancellationToken: ct));
        var items = (await results.ReadAsync<ArticleSummary>()).AsList();
        var total = await results.ReadSingleAsync<long>();
        return new PagedResponse<ArticleSummary>(items, total, query.Limit, query.Offset);
    }
}
