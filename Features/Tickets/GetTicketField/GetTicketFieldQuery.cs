using Dapper;
using Mediator;
using Npgsql;
using SupportDesk.Infrastructure.Auth;
using SupportDesk.Infrastructure.Errors;

namespace SupportDesk.Features.Tickets.GetTicketField;

public sealed record GetTicketFieldQuery(CurrentUser User, Guid Id) : IQuery<TicketFieldResponse>;

public sealed class GetTicketFieldHandler(NpgsqlDataSource dataSource) : IQueryHandler<GetTicketFieldQuery, TicketFieldResponse>
{
    // A customer gets 404 for a field they cannot see, the same as for one that does not exist.
    private const string Sql = $"""
        SELECT {TicketFieldResponse.Columns} FROM ticket_fields f
        WHERE f.id = @Id AND (@IsStaff OR (f.customer_visible AND f.deleted_at IS NULL))
        """;

    public async ValueTask<TicketFieldResponse> Handle(GetTicketFieldQuery query, CancellationToken ct)
    {
        await using var connection = await dataSource.OpenConnectionAsync(ct);
        return await connection.QuerySingleOrDefaultAsync<TicketFieldResponse>(new CommandDefinition(Sql,
                   new { query.Id, query.User.IsStaff }, cancellationToken: ct))
               ?? throw new NotFoundException("Ticket field not found.");
    }
}
