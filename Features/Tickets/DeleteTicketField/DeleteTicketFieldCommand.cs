using Dapper;
using Mediator;
using Npgsql;
using SupportDesk.Infrastructure.Errors;

namespace SupportDesk.Features.Tickets.DeleteTicketField;

public sealed record DeleteTicketFieldCommand(Guid Id) : ICommand;

public sealed class DeleteTicketFieldHandler(NpgsqlDataSource dataSource, TicketFieldsCache fields) : ICommandHandler<DeleteTicketFieldCommand>
{
    // A soft delete: values stay on the tickets (hidden, never rewritten) and history that names the key stays readable.
    private const string Sql = "UPDATE ticket_fields SET deleted_at = now() WHERE id = @Id AND deleted_at IS NULL";

    public async ValueTask<Unit> Handle(DeleteTicketFieldCommand command, CancellationToken ct)
    {
        await using var connection = await dataSource.OpenConnectionAsync(ct);
        var deleted = await connection.ExecuteAsync(new CommandDefinition(Sql, command, cancellationToken: ct));
        fields.Clear();
        return deleted == 1 ? Unit.Value : throw new NotFoundException("Ticket field not found.");
    }
}
