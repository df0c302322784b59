using Dapper;
using Mediator;
using Npgsql;
using SupportDesk.Infrastructure.Errors;

namespace SupportDesk.Features.Tickets.UpdateTicketField;

public sealed record UpdateTicketFieldCommand(Guid Id, UpdateTicketFieldRequest Changes) : ICommand<TicketFieldResponse>;

public sealed class UpdateTicketFieldHandler(NpgsqlDataSource dataSource, TicketFieldsCache fields) : ICommandHandler<UpdateTicketFieldCommand, TicketFieldResponse>
{
    // FOR UPDATE waits for ticket writes holding this definition (see CustomFieldCatalog), and they for us.
    private const string LoadSql = $"SELECT {TicketFieldResponse.Columns} FROM ticket_fields f WHERE f.id = @Id AND f.deleted_at IS NULL FOR UPDATE";

    private const string UpdateSql = $"""
        UPDATE ticket_fields AS f SET
            label = @Label, options = @Options::jsonb, required_on_create = @RequiredOnCreate, required_to_resolve = @RequiredToResolve,
            customer_visible = @CustomerVisible, customer_editable = @CustomerEditable, position = @Position
        WHERE f.id = @Id
        RETURNING {TicketFieldResponse.Columns}
        """;

    public async ValueTask<TicketFieldResponse> Handle(UpdateTicketFieldCommand command, CancellationToken ct)
    {
        var changes = command.Changes;
        await using var connection = await dataSource.OpenConnectionAsync(ct);
        await using var transaction = await connection.BeginTransactionAsync(ct);
        var field = await connection.QuerySingleOrDefaultAsync<TicketFieldResponse>(new CommandDefinition(LoadSql, new { command.Id }, transaction, cancellationToken: ct))
                    ?? throw new NotFoundException("Ticket field not found.");

        var options = changes.Options.IsSet ? CustomFieldRules.Normalize(changes.Options.Value) : field.Options.ToArray();
        var visible = changes.CustomerVisible.IsSet ? changes.CustomerVisible.Value!.Value : field.CustomerVisible;
        // Hiding a field from customers also takes away their right to edit it, unless the same request says otherwise.
        var editable = changes.CustomerEditable.IsSet ? changes.CustomerEditable.Value!.Value : field.CustomerEditable && visible;
        CustomFieldRules.EnsureConsistent(field.Type, options, visible, editable);

        var updated = await connection.QuerySingleAsync<TicketFieldResponse>(new CommandDefinition(UpdateSql, new
        {
            field.Id,
            Label = changes.Label.IsSet ? changes.Label.Value.Trim() : field.Label,
            Options = TicketFieldResponse.SerializeOptions(options),
            RequiredOnCreate = changes.RequiredOnCreate.IsSet ? changes.RequiredOnCreate.Value!.Value : field.RequiredOnCreate,
            RequiredToResolve = changes.RequiredToResolve.IsSet ? changes.RequiredToResolve.Value!.Value : field.RequiredToResolve,
            CustomerVisible = visible,
            CustomerEditable = editable,
            Position = changes.Position.IsSet ? changes.Position.Value!.Value : field.Position,
        }, transaction, cancellationToken: ct));
        await transaction.CommitAsync(ct);
        fields.Clear();
        return updated;
    }
}
