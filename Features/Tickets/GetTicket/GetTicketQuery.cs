using Dapper;
using Mediator;
using Npgsql;
using SupportDesk.Infrastructure.Auth;
using SupportDesk.Infrastructure.Errors;

namespace SupportDesk.Features.Tickets.GetTicket;

/// <summary>By id or by number (exactly one is given).</summary>
public sealed record GetTicketQuery(CurrentUser User, Guid? Id, long? Number) : IQuery<TicketResponse>;

public sealed class GetTicketHandler(NpgsqlDataSource dataSource, TicketFieldsCache fields) : IQueryHandler<GetTicketQuery, TicketResponse>
{
    private const string ByNumberSql = $"SELECT {TicketResponse.Columns} FROM tickets t WHERE t.number = @Number AND {TicketAccess.VisibleTo}";

    public async ValueTask<TicketResponse> Handle(GetTicketQuery query, CancellationToken ct)
    {
        await using var connection = await dataSource.OpenConnectionAsync(ct);
        var ticket = query.Id is { } id
            ? await TicketAccess.LoadAsync(connection, null, id, query.User, ct)
            : await connection.QuerySingleOrDefaultAsync<TicketResponse>(new CommandDefinition(ByNumberSql,
                  new { query.Number, UserId = query.User.Id, query.User.IsStaff, SeesAll = query.User.SeesAllTickets }, cancellationToken: ct))
              ?? throw new NotFoundException("Ticket not found.");
        return (await CustomFieldCatalog.ShowAsync(fields, connection, [ticket], query.User.IsStaff, ct))[0];
    }
}
