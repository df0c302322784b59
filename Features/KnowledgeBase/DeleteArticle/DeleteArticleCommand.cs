using Dapper;
using Mediator;
using Npgsql;
using SupportDesk.Infrastructure.Errors;

namespace SupportDesk.Features.KnowledgeBase.DeleteArticle;

public sealed record DeleteArticleCommand(Guid Id) : ICommand;

public sealed class DeleteArticleHandler(NpgsqlDataSource dataSource) : ICommandHandler<DeleteArticleCommand>
{
    private const string Sql = "DELETE FROM knowledge_base_articles WHERE id = @Id";

    public async ValueTask<Unit> Handle(DeleteArticleCommand command, CancellationToken ct)
    {
        await using var connection = await dataSource.OpenConnectionAsync(ct);
        var deleted = await connection.ExecuteAsync(new CommandDefinition(Sql, command, cancellationToken: ct));
        return deleted == 1 ? Unit.Value : throw new NotFoundException("Article not found.");
    }
}
