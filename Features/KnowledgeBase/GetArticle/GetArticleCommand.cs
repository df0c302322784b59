using Dapper;
using Mediator;
using Npgsql;
using SupportDesk.Infrastructure.Errors;

namespace SupportDesk.Features.KnowledgeBase.GetArticle;

/// <summary>Reads one article by id or by slug and counts the view (a command: it writes view_count).</summary>
public sealed record GetArticleCommand(Guid? Id, string? Slug, bool SeesDrafts) : ICommand<ArticleResponse>;

public sealed class GetArticleHandler(NpgsqlDataSource dataSource) : ICommandHandler<GetArticleCommand, ArticleResponse>
{
    // One atomic increment; the updated_at trigger ignores view_count, so a read is not an edit.
    private const string ByIdSql = $"""
        UPDATE knowledge_base_articles a SET view_count = view_count + 1
        WHERE a.id = @Id AND {ArticleVisibility.VisibleTo}
        RETURNING {ArticleResponse.Columns}
        """;

    private const string BySlugSql = $"""
        UPDATE knowledge_base_articles a SET view_count = view_count + 1
        WHERE a.slug = @Slug AND {ArticleVisibility.VisibleTo}
        RETURNING {ArticleResponse.Columns}
        """;

    public async ValueTask<ArticleResponse> Handle(GetArticleCommand command, CancellationToken ct)
    {
        await using var connection = await dataSource.OpenConnectionAsync(ct);
        var sql = command.Id is not null ? ByIdSql : BySlugSql;
        return await connection.QuerySingleOrDefaultAsync<ArticleResponse>(new CommandDefinition(sql, command, cancellationToken: ct))
            ?? throw new NotFoundException("Article not found.");
    }
}
