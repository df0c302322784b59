using Dapper;
using Mediator;
using Npgsql;
using SupportDesk.Infrastructure.Errors;

namespace SupportDesk.Features.KnowledgeBase.UpdateArticle;

/// <summary>Null fields stay as they are (PUT passes every field).</summary>
public sealed record UpdateArticleCommand(Guid Id, string? Title, string? Content, string? Category, string[]? Tags, bool? IsPublished)
    : ICommand<ArticleResponse>;

public sealed class UpdateArticleHandler(NpgsqlDataSource dataSource) : ICommandHandler<UpdateArticleCommand, ArticleResponse>
{
    private const string Sql = $"""
        UPDATE knowledge_base_articles a SET
            title = COALESCE(@Title, title),
            content = COALESCE(@Content, content),
            category = COALESCE(@Category, category),
            tags = COALESCE(@Tags, tags),
            is_published = COALESCE(@IsPublished, is_published)
        WHERE a.id = @Id
        RETURNING {ArticleResponse.Columns}
        """;

    public async ValueTask<ArticleResponse> Handle(UpdateArticleCommand command, CancellationToken ct)
    {
        await using var connection = await dataSource.OpenConnectionAsync(ct);
        return await connection.QuerySingleOrDefaultAsync<ArticleResponse>(new CommandDefinition(Sql, new
        {
            command.Id,
            Title = command.Title?.Trim(),
            command.Content,
            Category = command.Category?.Trim(),
            Tags = command.Tags is null ? null : ArticleRules.NormalizeTags(command.Tags),
            command.IsPublished,
        }, cancellationToken: ct)) ?? throw new NotFoundException("Article not found.");
    }
}
