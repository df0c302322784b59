using Dapper;
using Mediator;
using Npgsql;
using SupportDesk.Infrastructure.Database;
using SupportDesk.Infrastructure.Errors;

namespace SupportDesk.Features.Sla.DeleteSchedule;

public sealed record DeleteScheduleCommand(Guid Id) : ICommand;

public sealed class DeleteScheduleHandler(NpgsqlDataSource dataSource) : ICommandHandler<DeleteScheduleCommand>
{
    private const string Sql = "DELETE FROM sla_schedules WHERE id = @Id";

    public async ValueTask<Unit> Handle(DeleteScheduleCommand command, CancellationToken ct)
    {
        await using var connection = await dataSource.OpenConnectionAsync(ct);
        try
        {
            var deleted = await connection.ExecuteAsync(new CommandDefinition(Sql, command, cancellationToken: ct));
            return deleted == 1 ? Unit.Value : throw new NotFoundException("Schedule not found.");
        }
        catch (PostgresException e) when (e.SqlState == PostgresErrors.ForeignKeyViolation)
        {
            // A policy still counts its targets in this schedule's hours (the key refuses the delete).
            throw new FieldConflictException("id", "An SLA policy uses this schedule; change or delete that policy first.");
        }
    }
}
