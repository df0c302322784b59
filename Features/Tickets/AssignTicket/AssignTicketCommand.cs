using Dapper;
using Mediator;
using Npgsql;
using SupportDesk.Infrastructure.Auth;
using SupportDesk.Infrastructure.Errors;
using SupportDesk.Infrastructure.Json;

namespace SupportDesk.Features.Tickets.AssignTicket;

public sealed record AssignTicketCommand(CurrentUser Actor, Guid TicketId, int? ExpectedVersion, Optional<Guid?> AssigneeId)
    : ICommand<TicketResponse>;

public sealed class AssignTicketHandler(NpgsqlDataSource dataSource, TicketActivity activity) : ICommandHandler<AssignTicketCommand, TicketResponse>
{
    private const string Sql = $"""
        UPDATE tickets AS t SET assignee_id = @AssigneeId, version = t.version + 1
        WHERE t.id = @Id
        RETURNING {TicketResponse.Columns}
        """;

    public async ValueTask<TicketResponse> Handle(AssignTicketCommand command, CancellationToken ct)
    {
        var assigneeId = command.AssigneeId.Value;
        await using var connection = await dataSource.OpenConnectionAsync(ct);
        await using var transaction = await connection.BeginTransactionAsync(ct);

        var ticket = await TicketAccess.LoadAsync(connection, transaction, command.TicketId, command.Actor, ct);
        if (command.ExpectedVersion is { } expected && expected != ticket.Version)
            throw new PreconditionFailedException("The ticket changed since you read it (If-Match does not match its ETag); read it again and retry.");
        if (assigneeId == ticket.AssigneeId)
            return await CustomFieldCatalog.ShowAsync(connection, transaction, ticket, command.Actor.IsStaff, ct);
        if (assigneeId is { } id)
            await TicketAssignee.EnsureAssignableAsync(connection, transaction, id, ct);

        var updated = await connection.QuerySingleAsync<TicketResponse>(
            new CommandDefinition(Sql, new { Id = ticket.Id, AssigneeId = assigneeId }, transaction, cancellationToken: ct));
        await activity.UpdatedAsync(connection, transaction, ticket, updated,
            [new HistoryEntry("assigned", "assignee_id", ticket.AssigneeId?.ToString(), assigneeId?.ToString())], command.Actor, ct);
        var shown = await CustomFieldCatalog.ShowAsync(connection, transaction, updated, command.Actor.IsStaff, ct);
        await transaction.CommitAsync(ct);
        return shown;
    }
}
