using Dapper;
using Mediator;
using Npgsql;

namespace SupportDesk.Features.Sla.CreateSchedule;

public sealed record CreateScheduleCommand(CreateScheduleRequest Schedule) : ICommand<ScheduleResponse>;

public sealed class CreateScheduleHandler(NpgsqlDataSource dataSource) : ICommandHandler<CreateScheduleCommand, ScheduleResponse>
{
    private const string Sql = $"""
        INSERT INTO sla_schedules AS s (id, name, time_zone, intervals, holidays)
        VALUES (@Id, @Name, @TimeZone, @Intervals::jsonb, @Holidays::jsonb)
        RETURNING {ScheduleRow.Columns}
        """;

    public async ValueTask<ScheduleResponse> Handle(CreateScheduleCommand command, CancellationToken ct)
    {
        var s = command.Schedule;
        var (intervals, holidays) = ScheduleRules.Stored(s.Intervals!, s.Holidays);
        await using var connection = await dataSource.OpenConnectionAsync(ct);
        try
        {
            var row = await connection.QuerySingleAsync<ScheduleRow>(new CommandDefinition(Sql, new
            {
                Id = Guid.CreateVersion7(), Name = s.Name.Trim(), s.TimeZone, Intervals = intervals, Holidays = holidays,
            }, cancellationToken: ct));
            return row.ToResponse();
        }
        catch (PostgresException e) when (ScheduleRules.NameTaken(e) is { } taken)
        {
            throw taken;
        }
    }
}
