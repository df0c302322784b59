using Dapper;
using Mediator;
using Npgsql;
using SupportDesk.Infrastructure.Http;

namespace SupportDesk.Features.Email.ListEmailOutbox;

public sealed record ListEmailOutboxQuery(string? Status, Guid? TicketId, int Limit, int Offset) : IQuery<PagedResponse<OutboxEmailResponse>>;

public sealed class ListEmailOutboxHandler(NpgsqlDataSource dataSource) : IQueryHandler<ListEmailOutboxQuery, PagedResponse<OutboxEmailResponse>>
{
    private const string Filter = "(@Status::text IS NULL OR status = @Status) AND (@TicketId::uuid IS NULL OR ticket_id = @TicketId)";

    private const string Sql = $"""
        SELECT {OutboxEmailResponse.Columns}
        FROM email_outbox
        WHERE {Filter}
        ORDER BY created_at DESC, id DESC
        LIMIT @Limit OFFSET @Offset;

        SELECT count(*) FROM email_outbox WHERE {Filter};
        """;

    public async ValueTask<PagedResponse<OutboxEmailResponse>> Handle(ListEmailOutboxQuery query, CancellationToken ct)
    {
        await using var connection = await dataSource.OpenConnectionAsync(ct);
        await using var results = await connection.QueryMultipleAsync(new CommandDefinition(Sql, query, cancellationToken: ct));
        var items = (await results.ReadAsync<OutboxEmailResponse>()).AsList();
        var total = await results.ReadSingleAsync<long>();
        return new PagedResponse<OutboxEmailResponse>(items, total, query.Limit, query.Offset);
    }
}
