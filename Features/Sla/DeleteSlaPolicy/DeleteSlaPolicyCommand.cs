using Dapper;
using Mediator;
using Npgsql;
using SupportDesk.Infrastructure.Errors;

namespace SupportDesk.Features.Sla.DeleteSlaPolicy;

public sealed record DeleteSlaPolicyCommand(Guid Id) : ICommand;

public sealed class DeleteSlaPolicyHandler(NpgsqlDataSource dataSource) : ICommandHandler<DeleteSlaPolicyCommand>
{
    private const string Sql = "DELETE FROM sla_policies WHERE id = @Id";

    public async ValueTask<Unit> Handle(DeleteSlaPolicyCommand command, CancellationToken ct)
    {
        await using var connection = await dataSource.OpenConnectionAsync(ct);
        var deleted = await connection.ExecuteAsync(new CommandDefinition(Sql, command, cancellationToken: ct));
        return deleted == 1 ? Unit.Value : throw new NotFoundException("SLA policy not found.");
    }
}
