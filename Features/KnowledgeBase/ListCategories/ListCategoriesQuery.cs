using Dapper;
using Mediator;
using Npgsql;

namespace SupportDesk.Features.KnowledgeBase.ListCategories;

public sealed record CategoryCount(string Name, long Count);

public sealed record CategoriesResponse(IReadOnlyList<CategoryCount> Items);

public sealed record ListCategoriesQuery(bool SeesDrafts) : IQuery<CategoriesResponse>;

public sealed class ListCategoriesHandler(NpgsqlDataSource dataSource) : IQueryHandler<ListCategoriesQuery, CategoriesResponse>
{
    // Two texts rather than "(is_published OR @SeesDrafts)", so the published-only one can use its partial index.
    private const string AllSql = "SELECT category AS name, count(*) AS count FROM knowledge_base_articles GROUP BY category ORDER BY category";
    private const string PublishedSql = "SELECT category AS name, count(*) AS count FROM knowledge_base_articles WHERE is_published GROUP BY category ORDER BY category";

    public async ValueTask<CategoriesResponse> Handle(ListCategoriesQuery query, CancellationToken ct)
    {
        await using var connection = await dataSource.OpenConnectionAsync(ct);
        var rows = await connection.QueryAsync<CategoryCount>(new CommandDefinition(query.SeesDrafts ? AllSql : PublishedSql, cancellationToken: ct));
        return new CategoriesResponse(rows.AsList());
    }
}
