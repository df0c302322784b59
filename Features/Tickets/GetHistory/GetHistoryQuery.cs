using Dapper;
using Mediator;
using Npgsql;
using SupportDesk.Infrastructure.Auth;
using SupportDesk.Infrastructure.Http;
using SupportDesk.Infrastructure.OpenApi;

namespace SupportDesk.Features.Tickets.GetHistory;

public sealed class TicketHistoryEntry
{
    public Guid Id { get; init; }
    public Guid TicketId { get; init; }
    public Guid? ActorId { get; init; }
    [OpenApiEnum("created", "updated", "status_changed", "assigned", "commented", "deleted", "attachment_added", "attachment_removed", "routed")] public string Action { get; init; } = "";
    public string? Field { get; init; }
    public string? OldValue { get; init; }
    public string? NewValue { get; init; }
    public DateTime CreatedAt { get; init; }
}

public sealed record GetHistoryQuery(CurrentUser User, Guid TicketId, int Limit, int Offset) : IQuery<PagedResponse<TicketHistoryEntry>>;

public sealed class GetHistoryHandler(NpgsqlDataSource dataSource) : IQueryHandler<GetHistoryQuery, PagedResponse<TicketHistoryEntry>>
{
    private const string Sql = """
        SELECT id, ticket_id, actor_id, action, field, old_value, new_value, created_at
        FROM ticket_history
        WHERE ticket_id = @TicketId AND (@IsStaff OR NOT is_private)
        ORDER BY created_at, id
        LIMIT @Limit OFFSET @Offset;

        SELECT count(*) FROM ticket_history WHERE ticket_id = @TicketId AND (@IsStaff OR NOT is_private);
        """;

    public async ValueTask<PagedResponse<TicketHistoryEntry>> Handle(GetHistoryQuery query, CancellationToken ct)
    {
        await using var connection = await dataSource.OpenConnectionAsync(ct);
        await TicketAccess.LoadAsync(connection, null, query.TicketId, query.User, ct);
        await using var results = await connection.QueryMultipleAsync(new CommandDefinition(Sql,
            new { query.TicketId, query.User.IsStaff, query.Limit, query.Offset }, cancellationToken: ct));
        var items = (await results.ReadAsync<TicketHistoryEntry>()).AsList();
        return new PagedResponse<TicketHistoryEntry>(items, await results.ReadSingleAsync<long>(), query.Limit, query.Offset);
    }
}
