using Dapper;
using Mediator;
using Npgsql;
using SupportDesk.Infrastructure.Http;

namespace SupportDesk.Features.Inbound.ListInboundMessages;

public sealed record ListInboundMessagesQuery(string? Status, int Limit, int Offset) : IQuery<PagedResponse<InboundMessageResponse>>;

public sealed class ListInboundMessagesHandler(NpgsqlDataSource dataSource) : IQueryHandler<ListInboundMessagesQuery, PagedResponse<InboundMessageResponse>>
{
    private const string Filter = "(@Status::text IS NULL OR m.status = @Status)";

    private const string Sql = $"""
        SELECT {InboundMessageResponse.Columns}
        FROM inbound_messages m
        WHERE {Filter}
        ORDER BY m.received_at DESC, m.id DESC
        LIMIT @Limit OFFSET @Offset;

        SELECT count(*) FROM inbound_messages m WHERE {Filter};
        """;

    public async ValueTask<PagedResponse<InboundMessageResponse>> Handle(ListInboundMessagesQuery query, CancellationToken ct)
    {
        await using var connection = await dataSource.OpenConnectionAsync(ct);
        await using var results = await connection.QueryMultipleAsync(new CommandDefinition(Sql, query, cancellationToken: ct));
        var items = (await results.ReadAsync<InboundMessageResponse>()).AsList();
        var total = await results.ReadSingleAsync<long>();
        return new PagedResponse<InboundMessageResponse>(items, total, query.Limit, query.Offset);
    }
}
