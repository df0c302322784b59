using Dapper;
using Mediator;
using Npgsql;

namespace SupportDesk.Features.Sla.ListSchedules;

public sealed record ListSchedulesQuery : IQuery<IReadOnlyList<ScheduleResponse>>;

public sealed class ListSchedulesHandler(NpgsqlDataSource dataSource) : IQueryHandler<ListSchedulesQuery, IReadOnlyList<ScheduleResponse>>
{
    // Schedules are few (one per office or team): the list is whole, by name.
    private const string Sql = $"SELECT {ScheduleRow.Columns} FROM sla_schedules s ORDER BY lower(s.name), s.id";

    public async ValueTask<IReadOnlyList<ScheduleResponse>> Handle(ListSchedulesQuery query, CancellationToken ct)
    {
        await using var connection = await dataSource.OpenConnectionAsync(ct);
        var rows = await connection.QueryAsync<ScheduleRow>(new CommandDefinition(Sql, cancellationToken: ct));
        return rows.Select(r => r.ToResponse()).ToList();
    }
}
