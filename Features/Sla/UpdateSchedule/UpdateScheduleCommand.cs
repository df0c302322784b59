using Dapper;
using Mediator;
using Npgsql;
using SupportDesk.Features.Sla.CreateSchedule;
using SupportDesk.Infrastructure.Errors;

namespace SupportDesk.Features.Sla.UpdateSchedule;

public sealed record UpdateScheduleCommand(Guid Id, CreateScheduleRequest Schedule) : ICommand<ScheduleResponse>;

public sealed class UpdateScheduleHandler(NpgsqlDataSource dataSource) : ICommandHandler<UpdateScheduleCommand, ScheduleResponse>
{
    private const string Sql = $"""
        UPDATE sla_schedules AS s SET name = @Name, time_zone = @TimeZone, intervals = @Intervals::jsonb, holidays = @Holidays::jsonb,
            version = s.version + 1
        WHERE s.id = @Id
        RETURNING {ScheduleRow.Columns}
        """;

    public async ValueTask<ScheduleResponse> Handle(UpdateScheduleCommand command, CancellationToken ct)
    {
        var s = command.Schedule;
        var (intervals, holidays) = ScheduleRules.Stored(s.Intervals!, s.Holidays);
        await using var connection = await dataSource.OpenConnectionAsync(ct);
        try
        {
            var row = await connection.QuerySingleOrDefaultAsync<ScheduleRow>(new CommandDefinition(Sql, new
            {
                command.Id, Name = s.Name.Trim(), s.TimeZone, Intervals = intervals, Holidays = holidays,
            }, cancellationToken: ct));
            return row?.ToResponse() ?? throw new NotFoundException("Schedule not found.");
        }
        catch (PostgresException e) when (ScheduleRules.NameTaken(e) is { } taken)
        {
            throw taken;
        }
    }
}
