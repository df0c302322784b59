using Dapper;
using Mediator;
using Npgsql;
using SupportDesk.Features.Attachments;
using SupportDesk.Infrastructure.Auth;
using SupportDesk.Infrastructure.Http;

namespace SupportDesk.Features.Tickets.ListComments;

public sealed record ListCommentsQuery(CurrentUser User, Guid TicketId, int Limit, int Offset) : IQuery<PagedResponse<CommentResponse>>;

public sealed class ListCommentsHandler(NpgsqlDataSource dataSource) : IQueryHandler<ListCommentsQuery, PagedResponse<CommentResponse>>
{
    // Private comments are filtered in SQL: a customer's query can never return them.
    private const string Sql = $"""
        SELECT {CommentResponse.Columns}
        FROM comments c JOIN users u ON u.id = c.author_id
        WHERE c.ticket_id = @TicketId AND (@IsStaff OR c.comment_type = 'public')
        ORDER BY c.created_at, c.id
        LIMIT @Limit OFFSET @Offset;

        SELECT count(*) FROM comments c WHERE c.ticket_id = @TicketId AND (@IsStaff OR c.comment_type = 'public');
        """;

    public async ValueTask<PagedResponse<CommentResponse>> Handle(ListCommentsQuery query, CancellationToken ct)
    {
        await using var connection = await dataSource.OpenConnectionAsync(ct);
        await TicketAccess.LoadAsync(connection, null, query.TicketId, query.User, ct);
        await using var results = await connection.QueryMultipleAsync(new CommandDefinition(Sql,
            new { query.TicketId, query.User.IsStaff, query.Limit, query.Offset }, cancellationToken: ct));
        var items = (await results.ReadAsync<CommentResponse>()).AsList();
        var total = await results.ReadSingleAsync<long>();
        var files = await CommentAttachments.ForCommentsAsync(connection, items.Select(c => c.Id).ToArray(), query.User, ct);
        foreach (var comment in items)
            comment.Attachments = files[comment.Id].ToList();
        return new PagedResponse<CommentResponse>(items, total, query.Limit, query.Offset);
    }
}
