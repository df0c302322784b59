using Dapper;
using Mediator;
using Npgsql;
using SupportDesk.Infrastructure.Database;
using SupportDesk.Infrastructure.Errors;

namespace SupportDesk.Features.KnowledgeBase.CreateArticle;

public sealed record CreateArticleCommand(Guid AuthorId, string Title, string Content, string Category, string[]? Tags, bool IsPublished)
    : ICommand<ArticleResponse>;

public sealed class CreateArticleHandler(NpgsqlDataSource dataSource) : ICommandHandler<CreateArticleCommand, ArticleResponse>
{
    private const int SlugAttempts = 5;

    // The slug is the title's, or the title's with the next free number. Two writers racing for the same slug
    // meet at the unique index; the loser tries again and takes the next number.
    private const string Sql = $$"""
        WITH taken AS (
            SELECT coalesce(bool_or(slug = @SlugBase), false) AS base_taken,
                   max(substring(slug FROM '-([0-9]{1,9})$')::int) FILTER (WHERE slug <> @SlugBase) AS n
            FROM knowledge_base_articles
            WHERE slug = @SlugBase OR slug ~ ('^' || @SlugBase || '-[0-9]{1,9}$')
        )
        INSERT INTO knowledge_base_articles AS a (id, title, content, category, tags, is_published, author_id, slug)
        SELECT @Id, @Title, @Content, @Category, @Tags, @IsPublished, @AuthorId,
               CASE WHEN NOT taken.base_taken THEN @SlugBase ELSE @SlugBase || '-' || greatest(coalesce(taken.n, 1) + 1, 2) END
        FROM taken
        RETURNING {{ArticleResponse.Columns}}
        """;

    public async ValueTask<ArticleResponse> Handle(CreateArticleCommand command, CancellationToken ct)
    {
        var parameters = new
        {
            Id = Guid.CreateVersion7(),
            Title = command.Title.Trim(),
            command.Content,
            Category = command.Category.Trim(),
            Tags = ArticleRules.NormalizeTags(command.Tags),
            command.IsPublished,
            command.AuthorId,
            SlugBase = ArticleRules.SlugBase(command.Title),
        };

        await using var connection = await dataSource.OpenConnectionAsync(ct);
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                return await connection.QuerySingleAsync<ArticleResponse>(new CommandDefinition(Sql, parameters, cancellationToken: ct));
            }
            catch (PostgresException e) when (e.SqlState == PostgresErrors.UniqueViolation
                                              && e.ConstraintName == "ux_knowledge_base_articles_slug" && attempt < SlugAttempts)
            {
                // Someone took the same slug a moment ago; the next attempt sees it and numbers past it.
            }
            catch (PostgresException e) when (e.SqlState == PostgresErrors.ForeignKeyViolation)
            {
                throw new NotFoundException("The author no longer exists.");
            }
        }
    }
}
