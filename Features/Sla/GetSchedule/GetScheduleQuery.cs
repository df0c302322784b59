using Dapper;
using Mediator;
using Npgsql;
using SupportDesk.Infrastructure.Errors;

namespace SupportDesk.Features.Sla.GetSchedule;

public sealed record GetScheduleQuery(Guid Id) : IQuery<ScheduleResponse>;

public sealed class GetScheduleHandler(NpgsqlDataSource dataSource) : IQueryHandler<GetScheduleQuery, ScheduleResponse>
{
    private const string Sql = $"SELECT {ScheduleRow.Columns} FROM sla_schedules s WHERE s.id = @Id";

    public async ValueTask<ScheduleResponse> Handle(GetScheduleQuery query, CancellationToken ct)
    {
        await using var connection = await dataSource.OpenConnectionAsync(ct);
        var row = await connection.QuerySingleOrDefaultAsync<ScheduleRow>(new CommandDefinition(Sql, query, cancellationToken: ct));
        return row?.ToResponse() ?? throw new NotFoundException("Schedule not found.");
    }
}
