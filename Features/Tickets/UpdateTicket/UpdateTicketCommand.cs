using System.Text.Json;
using Dapper;
using Mediator;
using Npgsql;
using SupportDesk.Infrastructure.Auth;
using SupportDesk.Infrastructure.Errors;

namespace SupportDesk.Features.Tickets.UpdateTicket;

public sealed record UpdateTicketCommand(CurrentUser Actor, Guid TicketId, int? ExpectedVersion, UpdateTicketRequest Changes)
    : ICommand<TicketResponse>;

public sealed class UpdateTicketHandler(NpgsqlDataSource dataSource, TicketActivity activity, TimeProvider clock)
    : ICommandHandler<UpdateTicketCommand, TicketResponse>
{
    internal const string UpdateSql = $"""
        UPDATE tickets AS t SET
            title = @Title, description = @Description, status = @Status, priority = @Priority,
            category = @Category, tags = @Tags, assignee_id = @AssigneeId, group_id = @GroupId,
            resolved_at = @ResolvedAt, closed_at = @ClosedAt, custom_fields = @CustomFields::jsonb, version = t.version + 1
        WHERE t.id = @Id
        RETURNING {TicketResponse.Columns}
        """;

    public async ValueTask<TicketResponse> Handle(UpdateTicketCommand command, CancellationToken ct)
    {
        var (actor, changes) = (command.Actor, command.Changes);
        await using var connection = await dataSource.OpenConnectionAsync(ct);
        await using var transaction = await connection.BeginTransactionAsync(ct);

        var ticket = await TicketAccess.LoadAsync(connection, transaction, command.TicketId, actor, ct);
        TicketAccess.EnsureMayChange(ticket, actor);
        if (command.ExpectedVersion is { } expected && expected != ticket.Version)
            throw new PreconditionFailedException("The ticket changed since you read it (If-Match does not match its ETag); read it again and retry.");

        var history = new List<HistoryEntry>();
        string Track(string field, string current, Infrastructure.Json.Optional<string> change)
        {
            if (!change.IsSet || change.Value == current)
                return current;
            history.Add(new HistoryEntry("updated", field, current, change.Value));
            return change.Value;
        }

        var title = Track("title", ticket.Title, changes.Title.IsSet ? new(true, changes.Title.Value.Trim()) : default);
        var description = Track("description", ticket.Description, changes.Description);

        var category = ticket.Category;
        var newCategory = TicketFieldRules.NormalizeCategory(changes.Category.Value);
        if (changes.Category.IsSet && newCategory != ticket.Category)
        {
            history.Add(new HistoryEntry("updated", "category", ticket.Category, newCategory));
            category = newCategory;
        }

        var tags = ticket.Tags;
        var newTags = TicketFieldRules.NormalizeTags(changes.Tags.Value);
        if (changes.Tags.IsSet && !newTags.SequenceEqual(ticket.Tags))
        {
            history.Add(new HistoryEntry("updated", "tags", JsonSerializer.Serialize(ticket.Tags), JsonSerializer.Serialize(newTags)));
            tags = newTags;
        }

        var priority = ticket.Priority;
        if (changes.Priority.Value is { } newPriority && newPriority.ToDb() != ticket.Priority)
        {
            if (!actor.IsStaff)
                throw new ForbiddenException("Customers cannot change a ticket's priority.");
            history.Add(new HistoryEntry("updated", "priority", ticket.Priority, newPriority.ToDb()));
            priority = newPriority.ToDb();
        }

        var assigneeId = ticket.AssigneeId;
        if (changes.AssigneeId.IsSet && changes.AssigneeId.Value != ticket.AssigneeId)
        {
            if (!actor.IsStaff)
                throw new ForbiddenException("Customers cannot assign tickets.");
            if (changes.AssigneeId.Value is { } newAssignee)
                await TicketAssignee.EnsureAssignableAsync(connection, transaction, newAssignee, ct);
            history.Add(new HistoryEntry("assigned", "assignee_id", ticket.AssigneeId?.ToString(), changes.AssigneeId.Value?.ToString()));
            assigneeId = changes.AssigneeId.Value;
        }

        var groupId = ticket.GroupId;
        if (changes.GroupId.IsSet && changes.GroupId.Value != ticket.GroupId)
        {
            if (!actor.IsStaff)
                throw new ForbiddenException("Customers cannot move tickets between groups.");
            if (changes.GroupId.Value is { } newGroup)
                await TicketGroup.EnsureExistsAsync(connection, transaction, newGroup, ct);
            history.Add(new HistoryEntry("updated", "group_id", ticket.GroupId?.ToString(), changes.GroupId.Value?.ToString()));
            groupId = changes.GroupId.Value;
        }

        var status = ticket.Status;
        var (resolvedAt, closedAt) = (ticket.ResolvedAt, ticket.ClosedAt);
        if (changes.Status.Value is { } newStatus && newStatus.ToDb() != ticket.Status)
        {
            var from = TicketValues.ParseStatus(ticket.Status);
            TicketRules.EnsureCanMove(from, newStatus, actor);
            (resolvedAt, closedAt) = TicketRules.Timestamps(from, newStatus, resolvedAt, closedAt, clock.GetUtcNow().UtcDateTime);
            history.Add(new HistoryEntry("status_changed", "status", ticket.Status, newStatus.ToDb()));
            status = newStatus.ToDb();
        }

        // The row is locked (FOR UPDATE), so values are merged onto what is stored now: no concurrent write is lost.
        var requested = changes.CustomFields.IsSet ? changes.CustomFields.Value : null;
        var resolving = status != ticket.Status && status is "resolved" or "closed";
        var fields = requested is not null || resolving || ticket.StoredCustomFields != "{}"
            ? await CustomFieldCatalog.ForWriteAsync(connection, transaction, requested?.Keys ?? Enumerable.Empty<string>(), ct)
            : [];
        var (values, fieldHistory) = CustomFieldValues.Apply(ticket.StoredCustomFields, requested, fields, actor.IsStaff);
        history.AddRange(fieldHistory);
        if (resolving)
            CustomFieldValues.EnsureRequired(values, fields, actor.IsStaff, f => f.RequiredToResolve,
                (field, message) => new UnprocessableException(field, $"{message} A ticket cannot be {status} without it."));

        if (history.Count == 0)
            return ticket.ViewedBy(fields, actor.IsStaff);

        var updated = await connection.QuerySingleAsync<TicketResponse>(new CommandDefinition(UpdateSql, new
        {
            Id = ticket.Id, Title = title, Description = description, Status = status, Priority = priority,
            Category = category, Tags = tags, AssigneeId = assigneeId, GroupId = groupId, ResolvedAt = resolvedAt, ClosedAt = closedAt,
            CustomFields = fieldHistory.Count == 0 ? ticket.StoredCustomFields : values.ToJsonString(),
        }, transaction, cancellationToken: ct));

        // The definitions read above, whenever the updated ticket holds values (it can only if the old one did or the request set some).
        await activity.UpdatedAsync(connection, transaction, ticket, updated, history, actor, ct, fields);
        // Moved unassigned into a round_robin or least_open group: assigned there as a new ticket would be, in this transaction.
        if (groupId != ticket.GroupId && updated.AssigneeId is null && status is "open" or "in_progress" or "pending")
            updated = await GroupAssignment.AssignNewAsync(connection, transaction, updated, activity, actor, ct);
        await transaction.CommitAsync(ct);
        return updated.ViewedBy(fields, actor.IsStaff);
    }
}
