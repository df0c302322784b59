using Dapper;
using Npgsql;
using SupportDesk.Infrastructure.Auth;
using SupportDesk.Infrastructure.Email;

namespace SupportDesk.Features.Tickets;

/// <summary>One line of the audit trail.</summary>
public sealed record HistoryEntry(string Action, string? Field, string? OldValue, string? NewValue, bool IsPrivate = false);

/// <summary>
/// Everything that follows a ticket change, inside the change's own transaction, so it happens exactly when the
/// change commits: the audit trail, and who hears about it (emails through the outbox). The rules of who is told
/// live here and nowhere else: never the person who made the change, never a customer about a private comment,
/// never an inactive user (the outbox skips those).
/// </summary>
public sealed class TicketActivity(TimeProvider clock, EmailOutbox emails)
{
    private const string InsertHistorySql = """
        INSERT INTO ticket_history (id, ticket_id, actor_id, action, field, old_value, new_value, is_private, created_at)
        SELECT id, @TicketId, @ActorId, action, field, old_value, new_value, is_private, @At
        FROM unnest(@Ids, @Actions, @Fields, @OldValues, @NewValues, @Private)
             AS h(id, action, field, old_value, new_value, is_private)
        """;

    private const string NamesSql = "SELECT id, first_name || ' ' || last_name AS name FROM users WHERE id = ANY(@Ids)";

    public async Task CreatedAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, TicketResponse ticket, CurrentUser actor, CancellationToken ct)
    {
        await RecordAsync(connection, transaction, ticket.Id, actor, [new HistoryEntry("created", null, null, ticket.Title)], ct);
        // The requester's confirmation, also when an agent opened the ticket on their behalf.
        var names = await NamesAsync(connection, transaction, [actor.Id], ct);
        await EmailAsync(connection, transaction, EmailTemplateKeys.TicketCreated, ticket.RequesterId, ticket, Model(ticket, names, actor.Id), ct);
    }

    public async Task UpdatedAsync(NpgsqlConnection connection, NpgsqlTransaction transaction,
        TicketResponse before, TicketResponse after, IReadOnlyList<HistoryEntry> history, CurrentUser actor, CancellationToken ct)
    {
        await RecordAsync(connection, transaction, after.Id, actor, history, ct);

        var statusChanged = before.Status != after.Status;
        var newAssignee = after.AssigneeId is { } assignee && assignee != before.AssigneeId ? assignee : (Guid?)null;
        if (!statusChanged && newAssignee is null)
            return;

        var names = await NamesAsync(connection, transaction, [actor.Id, .. after.AssigneeId is { } a ? new[] { a } : []], ct);
        var model = Model(after, names, actor.Id);
        if (statusChanged && after.RequesterId != actor.Id)
            await EmailAsync(connection, transaction, EmailTemplateKeys.TicketStatusChanged, after.RequesterId, after,
                model with { OldStatus = before.Status }, ct);
        if (newAssignee is { } assigneeId && assigneeId != actor.Id)
            await EmailAsync(connection, transaction, EmailTemplateKeys.TicketAssigned, assigneeId, after, model, ct);
    }

    public async Task CommentedAsync(NpgsqlConnection connection, NpgsqlTransaction transaction,
        TicketResponse ticket, CommentResponse comment, IReadOnlyList<HistoryEntry> history, CurrentUser actor, CancellationToken ct)
    {
        await RecordAsync(connection, transaction, ticket.Id, actor, history, ct);
        if (comment.CommentType == CommentType.Private.ToDb())
            return;

        // A public staff reply goes to the requester; a customer's reply goes to whoever holds the ticket.
        Guid? recipient = actor.IsStaff ? ticket.RequesterId : ticket.AssigneeId;
        if (recipient is not { } to || to == actor.Id)
            return;
        var names = await NamesAsync(connection, transaction, [actor.Id, .. ticket.AssigneeId is { } a ? new[] { a } : []], ct);
        await EmailAsync(connection, transaction, EmailTemplateKeys.CommentAdded, to, ticket,
            Model(ticket, names, actor.Id) with { CommentText = comment.Content }, ct);
    }

    public Task DeletedAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, Guid ticketId, CurrentUser actor, CancellationToken ct) =>
        RecordAsync(connection, transaction, ticketId, actor, [new HistoryEntry("deleted", null, null, null)], ct);

    private async Task RecordAsync(NpgsqlConnection connection, NpgsqlTransaction transaction,
        Guid ticketId, CurrentUser actor, IReadOnlyList<HistoryEntry> entries, CancellationToken ct)
    {
        if (entries.Count == 0)
            return;
        await connection.ExecuteAsync(new CommandDefinition(InsertHistorySql, new
        {
            TicketId = ticketId,
            ActorId = actor.Id,
            At = clock.GetUtcNow().UtcDateTime,
            Ids = entries.Select(_ => Guid.CreateVersion7()).ToArray(),
            Actions = entries.Select(e => e.Action).ToArray(),
            Fields = entries.Select(e => e.Field).ToArray(),
            OldValues = entries.Select(e => e.OldValue).ToArray(),
            NewValues = entries.Select(e => e.NewValue).ToArray(),
            Private = entries.Select(e => e.IsPrivate).ToArray(),
        }, transaction, cancellationToken: ct));
    }

    private Task EmailAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, string template, Guid recipient,
        TicketResponse ticket, EmailModel model, CancellationToken ct) =>
        emails.EnqueueAsync(connection, transaction, new OutgoingEmail(template, recipient, ticket.Id, model), ct);

    private static EmailModel Model(TicketResponse ticket, IReadOnlyDictionary<Guid, string> names, Guid actorId) => new()
    {
        TicketNumber = ticket.Number,
        TicketTitle = ticket.Title,
        TicketStatus = ticket.Status,
        TicketPriority = ticket.Priority,
        ActorName = names.GetValueOrDefault(actorId),
        AssigneeName = ticket.AssigneeId is { } a ? names.GetValueOrDefault(a) : null,
    };

    private static async Task<IReadOnlyDictionary<Guid, string>> NamesAsync(
        NpgsqlConnection connection, NpgsqlTransaction transaction, Guid[] ids, CancellationToken ct) =>
        (await connection.QueryAsync<(Guid Id, string Name)>(new CommandDefinition(NamesSql, new { Ids = ids.Distinct().ToArray() }, transaction, cancellationToken: ct)))
        .ToDictionary(r => r.Id, r => r.Name);
}
