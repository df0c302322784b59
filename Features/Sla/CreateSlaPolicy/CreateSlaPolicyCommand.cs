using Dapper;
using Mediator;
using Npgsql;

namespace SupportDesk.Features.Sla.CreateSlaPolicy;

public sealed record CreateSlaPolicyCommand(CreateSlaPolicyRequest Policy) : ICommand<SlaPolicyResponse>;

public sealed class CreateSlaPolicyHandler(NpgsqlDataSource dataSource) : ICommandHandler<CreateSlaPolicyCommand, SlaPolicyResponse>
{
    private const string Sql = $"""
        INSERT INTO sla_policies AS p (id, name, position, priorities, categories, tags, schedule_id, targets)
        VALUES (@Id, @Name, @Position, @Priorities, @Categories, @Tags, @ScheduleId, @Targets::jsonb)
        RETURNING {SlaPolicyRow.Columns}
        """;

    public async ValueTask<SlaPolicyResponse> Handle(CreateSlaPolicyCommand command, CancellationToken ct)
    {
        await using var connection = await dataSource.OpenConnectionAsync(ct);
        try
        {
            var row = await connection.QuerySingleAsync<SlaPolicyRow>(new CommandDefinition(
                Sql, SlaPolicyRules.Parameters(Guid.CreateVersion7(), command.Policy), cancellationToken: ct));
            return row.ToResponse();
        }
        catch (PostgresException e) when (SlaPolicyRules.Refusal(e) is { } refusal)
        {
            throw refusal;
        }
    }
}
