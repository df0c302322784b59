using Dapper;
using Mediator;
using Npgsql;
using SupportDesk.Infrastructure.Configuration;
using SupportDesk.Infrastructure.Database;
using SupportDesk.Infrastructure.Errors;

namespace SupportDesk.Features.Tickets.CreateTicketField;

public sealed record CreateTicketFieldCommand(CreateTicketFieldRequest Field) : ICommand<TicketFieldResponse>;

public sealed class CreateTicketFieldHandler(NpgsqlDataSource dataSource, AppSettings settings, TicketFieldsCache fields)
    : ICommandHandler<CreateTicketFieldCommand, TicketFieldResponse>
{
    // Creates take turns, so two admins at the limit cannot both add the last field.
    private const string LockSql = $"SELECT pg_advisory_xact_lock({CustomFieldCatalog.DefinitionsLock})";
    private const string CountSql = "SELECT count(*) FROM ticket_fields WHERE deleted_at IS NULL";

    private const string InsertSql = $"""
        INSERT INTO ticket_fields AS f (id, key, label, type, options, required_on_create, required_to_resolve,
                                        customer_visible, customer_editable, position)
        VALUES (@Id, @Key, @Label, @Type, @Options::jsonb, @RequiredOnCreate, @RequiredToResolve,
                @CustomerVisible, @CustomerEditable, @Position)
        RETURNING {TicketFieldResponse.Columns}
        """;

    public async ValueTask<TicketFieldResponse> Handle(CreateTicketFieldCommand command, CancellationToken ct)
    {
        var field = command.Field;
        var type = field.Type!.Value.ToDb();
        var options = CustomFieldRules.Normalize(field.Options);
        CustomFieldRules.EnsureConsistent(type, options, field.CustomerVisible, field.CustomerEditable);

        await using var connection = await dataSource.OpenConnectionAsync(ct);
        await using var transaction = await connection.BeginTransactionAsync(ct);
        await connection.ExecuteAsync(new CommandDefinition(LockSql, transaction: transaction, cancellationToken: ct));
        var live = await connection.ExecuteScalarAsync<long>(new CommandDefinition(CountSql, transaction: transaction, cancellationToken: ct));
        if (live >= settings.TicketFieldsMax)
            throw new ConflictException($"There are {live} ticket fields, the most TICKET_FIELDS_MAX allows ({settings.TicketFieldsMax}); delete one first.");
        try
        {
            var created = await connection.QuerySingleAsync<TicketFieldResponse>(new CommandDefinition(InsertSql, new
            {
                Id = Guid.CreateVersion7(),
                field.Key,
                Label = field.Label.Trim(),
                Type = type,
                Options = TicketFieldResponse.SerializeOptions(options),
                field.RequiredOnCreate,
                field.RequiredToResolve,
                field.CustomerVisible,
                field.CustomerEditable,
                field.Position,
            }, transaction, cancellationToken: ct));
            await transaction.CommitAsync(ct);
            fields.Clear();
            return created;
        }
        catch (PostgresException e) when (e.SqlState == PostgresErrors.UniqueViolation && e.ConstraintName == "ux_ticket_fields_key")
        {
            // Deleted fields keep their keys: their values are still on tickets and in history.
            throw new ConflictException($"A ticket field with key '{field.Key}' exists or existed; keys are never reused.");
        }
    }
}
