using Dapper;
using Mediator;
using Npgsql;
using SupportDesk.Infrastructure.Auth;

namespace SupportDesk.Features.Tickets.DeleteTicket;

public sealed record DeleteTicketCommand(CurrentUser Actor, Guid TicketId) : ICommand;

public sealed class DeleteTicketHandler(NpgsqlDataSource dataSource, TicketActivity activity) : ICommandHandler<DeleteTicketCommand>
{
    private const string Sql = "UPDATE tickets SET deleted_at = now(), version = version + 1 WHERE id = @TicketId";

    public async ValueTask<Unit> Handle(DeleteTicketCommand command, CancellationToken ct)
    {
        await using var connection = await dataSource.OpenConnectionAsync(ct);
        await using var transaction = await connection.BeginTransactionAsync(ct);
        var ticket = await TicketAccess.LoadAsync(connection, transaction, command.TicketId, command.Actor, ct);
        await connection.ExecuteAsync(new CommandDefinition(Sql, new { command.TicketId }, transaction, cancellationToken: ct));
        await activity.DeletedAsync(connection, transaction, ticket, command.Actor, ct);
        await transaction.CommitAsync(ct);
        return Unit.Value;
    }
}
