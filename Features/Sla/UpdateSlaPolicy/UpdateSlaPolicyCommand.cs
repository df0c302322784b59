using Dapper;
using Mediator;
using Npgsql;
using SupportDesk.Features.Sla.CreateSlaPolicy;
using SupportDesk.Infrastructure.Errors;

namespace SupportDesk.Features.Sla.UpdateSlaPolicy;

public sealed record UpdateSlaPolicyCommand(Guid Id, CreateSlaPolicyRequest Policy) : ICommand<SlaPolicyResponse>;

public sealed class UpdateSlaPolicyHandler(NpgsqlDataSource dataSource) : ICommandHandler<UpdateSlaPolicyCommand, SlaPolicyResponse>
{
    private const string Sql = $"""
        UPDATE sla_policies AS p SET name = @Name, position = @Position, priorities = @Priorities, categories = @Categories,
            tags = @Tags, schedule_id = @ScheduleId, targets = @Targets::jsonb, version = p.version + 1
        WHERE p.id = @Id
        RETURNING {SlaPolicyRow.Columns}
        """;

    public async ValueTask<SlaPolicyResponse> Handle(UpdateSlaPolicyCommand command, CancellationToken ct)
    {
        await using var connection = await dataSource.OpenConnectionAsync(ct);
        try
        {
            var row = await connection.QuerySingleOrDefaultAsync<SlaPolicyRow>(new CommandDefinition(
                Sql, SlaPolicyRules.Parameters(command.Id, command.Policy), cancellationToken: ct));
            return row?.ToResponse() ?? throw new NotFoundException("SLA policy not found.");
        }
        catch (PostgresException e) when (SlaPolicyRules.Refusal(e) is { } refusal)
        {
            throw refusal;
        }
    }
}
