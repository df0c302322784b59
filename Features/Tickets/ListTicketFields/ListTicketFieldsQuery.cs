using Dapper;
using Mediator;
using Npgsql;
using SupportDesk.Infrastructure.Auth;

namespace SupportDesk.Features.Tickets.ListTicketFields;

public sealed record ListTicketFieldsQuery(CurrentUser User, bool IncludeDeleted) : IQuery<IReadOnlyList<TicketFieldResponse>>;

public sealed class ListTicketFieldsHandler(NpgsqlDataSource dataSource) : IQueryHandler<ListTicketFieldsQuery, IReadOnlyList<TicketFieldResponse>>
{
    // Customers see the fields they can see on their tickets; staff may ask for deleted ones too (history names them).
    private const string Sql = $"""
        SELECT {TicketFieldResponse.Columns} FROM ticket_fields f
        WHERE (f.deleted_at IS NULL OR (@IsStaff AND @IncludeDeleted)) AND (@IsStaff OR f.customer_visible)
        ORDER BY f.deleted_at IS NOT NULL, f.position, f.created_at, f.id
        """;

    public async ValueTask<IReadOnlyList<TicketFieldResponse>> Handle(ListTicketFieldsQuery query, CancellationToken ct)
    {
        await using var connection = await dataSource.OpenConnectionAsync(ct);
        return (await connection.QueryAsync<TicketFieldResponse>(new CommandDefinition(Sql,
            new { query.User.IsStaff, query.IncludeDeleted }, cancellationToken: ct))).AsList();
    }
}
