using Dapper;
using Mediator;
using Npgsql;
using SupportDesk.Features.Tickets;
using SupportDesk.Infrastructure.Auth;

namespace SupportDesk.Features.Attachments.ListAttachments;

public sealed record ListAttachmentsQuery(CurrentUser User, Guid TicketId) : IQuery<IReadOnlyList<AttachmentResponse>>;

public sealed class ListAttachmentsHandler(NpgsqlDataSource dataSource) : IQueryHandler<ListAttachmentsQuery, IReadOnlyList<AttachmentResponse>>
{
    internal const string Sql = $"""
        SELECT {AttachmentResponse.Columns}
        FROM {AttachmentVisibility.From}
        WHERE a.ticket_id = @TicketId AND {AttachmentVisibility.VisibleTo}
        ORDER BY a.created_at, a.id
        """;

    public async ValueTask<IReadOnlyList<AttachmentResponse>> Handle(ListAttachmentsQuery query, CancellationToken ct)
    {
        await using var connection = await dataSource.OpenConnectionAsync(ct);
        await TicketAccess.LoadAsync(connection, null, query.TicketId, query.User, ct);
        return (await connection.QueryAsync<AttachmentResponse>(new CommandDefinition(Sql,
            new { query.TicketId, UserId = query.User.Id, query.User.IsStaff, SeesAll = query.User.SeesAllTickets }, cancellationToken: ct))).AsList();
    }
}
