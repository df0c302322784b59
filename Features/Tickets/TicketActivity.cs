using Dapper;
using Npgsql;
using SupportDesk.Features.Attachments;
using SupportDesk.Infrastructure.Auth;
using SupportDesk.Infrastructure.Configuration;
using SupportDesk.Infrastructure.Email;
using SupportDesk.Infrastructure.Notifications;
using SupportDesk.Infrastructure.Realtime;

namespace SupportDesk.Features.Tickets;

/// <summary>One line of the audit trail.</summary>
public sealed record HistoryEntry(string Action, string? Field, string? OldValue, string? NewValue, bool IsPrivate = false);

/// <summary>
/// Everything that follows a ticket change, inside the change's own transaction, so it all happens exactly when
/// the change commits and not at all when it rolls back: the audit trail, the live events (delivered at commit
/// through NOTIFY), and who is told — a stored notification and an email through the outbox. The rules of who
/// is told live here and nowhere else: never the person who made the change, never a customer about a private
/// comment (not even an event), never an inactive user.
/// </summary>
public sealed class TicketActivity(TimeProvider clock, EmailOutbox emails, RealtimeEvents events, NotificationWriter notifications, AppSettings settings)
{
    internal const string InsertHistorySql = """
        INSERT INTO ticket_history (id, ticket_id, actor_id, action, field, old_value, new_value, is_private, created_at)
        SELECT id, @TicketId, @ActorId, action, field, old_value, new_value, is_private, @At
        FROM unnest(@Ids, @Actions, @Fields, @OldValues, @NewValues, @Private)
             AS h(id, action, field, old_value, new_value, is_private)
        """;

    // A group's name comes along under the group's id (ids are unique across both tables).
    internal const string NamesSql = """
        SELECT id, first_name || ' ' || last_name AS name FROM users WHERE id = ANY(@Ids)
        UNION ALL
        SELECT id, name FROM groups WHERE id = @GroupId
        """;

    private sealed record FieldChange(string Field, string? Old, string? New);

    public async Task CreatedAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, TicketResponse ticket, CurrentUser actor, CancellationToken ct)
    {
        await RecordAsync(connection, transaction, ticket.Id, actor, [new HistoryEntry("created", null, null, ticket.Title)], ct);
        await PublishAsync(connection, transaction, RealtimeEventTypes.TicketCreated, ticket, staffOnly: false, ticket, ct);
        // The requester's confirmation, also when an agent opened the ticket on their behalf.
        var names = await NamesAsync(connection, transaction, [actor.Id], ticket.GroupId, ct);
        await emails.EnqueueAsync(connection, transaction,
            new OutgoingEmail(EmailTemplateKeys.TicketCreated, ticket.RequesterId, ticket.Id, Model(ticket, names, actor.Id)), ct);
    }

    public async Task UpdatedAsync(NpgsqlConnection connection, NpgsqlTransaction transaction,
        TicketResponse before, TicketResponse after, IReadOnlyList<HistoryEntry> history, CurrentUser actor, CancellationToken ct)
    {
        await RecordAsync(connection, transaction, after.Id, actor, history, ct);

        var fieldChanges = history.Where(h => h.Action == "updated" && h.Field is not null)
            .Select(h => new FieldChange(h.Field!, h.OldValue, h.NewValue)).ToList();
        if (fieldChanges.Count > 0)
            await PublishAsync(connection, transaction, RealtimeEventTypes.TicketUpdated, after, false, new { changes = fieldChanges, ticket = after }, ct);

        var statusChanged = before.Status != after.Status;
        var assigneeChanged = before.AssigneeId != after.AssigneeId;
        if (statusChanged)
            await PublishAsync(connection, transaction, RealtimeEventTypes.TicketStatusChanged, after, false, new { from = before.Status, to = after.Status, ticket = after }, ct);
        if (assigneeChanged)
            await PublishAsync(connection, transaction, RealtimeEventTypes.TicketAssigned, after, false,
                new { assignee_id = after.AssigneeId, previous_assignee_id = before.AssigneeId, ticket = after }, ct);
        var newAssignee = assigneeChanged ? after.AssigneeId : null;
        if (!statusChanged && newAssignee is null)
            return;

        var names = await NamesAsync(connection, transaction, [actor.Id, .. after.AssigneeId is { } a ? new[] { a } : []], after.GroupId, ct);
        var model = Model(after, names, actor.Id);
        if (statusChanged)
            await TellAsync(connection, transaction, after.RequesterId, actor, after, EmailTemplateKeys.TicketStatusChanged,
                RealtimeEventTypes.TicketStatusChanged, $"#{after.Number} is now {Words(after.Status)}", after.Title,
                model with { OldStatus = before.Status }, ct);
        if (newAssignee is { } assignee)
            await TellAsync(connection, transaction, assignee, actor, after, EmailTemplateKeys.TicketAssigned,
                RealtimeEventTypes.TicketAssigned, $"#{after.Number} was assigned to you", after.Title, model, ct);
    }

    public async Task CommentedAsync(NpgsqlConnection connection, NpgsqlTransaction transaction,
        TicketResponse before, TicketStatus statusAfter, CommentResponse comment, IReadOnlyList<HistoryEntry> history,
        CurrentUser actor, CancellationToken ct)
    {
        await RecordAsync(connection, transaction, before.Id, actor, history, ct);
        var isPrivate = comment.CommentType == CommentType.Private.ToDb();
        await PublishAsync(connection, transaction, RealtimeEventTypes.CommentCreated, before, staffOnly: isPrivate, comment, ct);
        if (comment.Attachments.Count > 0)
            await PublishAsync(connection, transaction, RealtimeEventTypes.AttachmentAdded, before, staffOnly: isPrivate,
                new { comment_id = comment.Id, attachments = comment.Attachments }, ct);
        if (statusAfter.ToDb() != before.Status)
            await PublishAsync(connection, transaction, RealtimeEventTypes.TicketStatusChanged, before, false,
                new { from = before.Status, to = statusAfter.ToDb(), ticket_id = before.Id }, ct);
        if (isPrivate)
            return;

        // A public staff reply goes to the requester; a customer's reply goes to whoever holds the ticket.
        if ((actor.IsStaff ? before.RequesterId : before.AssigneeId) is not { } recipient)
            return;
        var names = await NamesAsync(connection, transaction, [actor.Id, .. before.AssigneeId is { } a ? new[] { a } : []], before.GroupId, ct);
        await TellAsync(connection, transaction, recipient, actor, before, EmailTemplateKeys.CommentAdded,
            RealtimeEventTypes.CommentCreated, $"New reply on #{before.Number}", comment.Content,
            Model(before, names, actor.Id) with { CommentText = comment.Content, AttachmentList = AttachmentList(comment) }, ct,
            comment.Attachments.Select(a => a.Id).ToList());
    }

    /// <summary>Files of the ticket itself (it was opened with them): audit rows and one event, seen by whoever sees the ticket.</summary>
    public async Task FilesAddedAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, TicketResponse ticket,
        IReadOnlyList<AttachmentResponse> files, CurrentUser actor, CancellationToken ct)
    {
        if (files.Count == 0)
            return;
        await RecordAsync(connection, transaction, ticket.Id, actor,
            files.Select(f => new HistoryEntry("attachment_added", "attachment", null, $"{f.Id} {f.FileName}")).ToList(), ct);
        await PublishAsync(connection, transaction, RealtimeEventTypes.AttachmentAdded, ticket, staffOnly: false,
            new { comment_id = (Guid?)null, attachments = files }, ct);
    }

    public async Task DeletedAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, TicketResponse ticket, CurrentUser actor, CancellationToken ct)
    {
        await RecordAsync(connection, transaction, ticket.Id, actor, [new HistoryEntry("deleted", null, null, null)], ct);
        await PublishAsync(connection, transaction, RealtimeEventTypes.TicketUpdated, ticket, false,
            new { changes = new[] { new FieldChange("deleted", null, "true") }, ticket_id = ticket.Id }, ct);
    }

    /// <summary>A stored notification and an email for one person, unless they made the change themselves.</summary>
    private async Task TellAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, Guid recipient, CurrentUser actor,
        TicketResponse ticket, string emailTemplate, string notificationType, string title, string body, EmailModel model, CancellationToken ct,
        IReadOnlyList<Guid>? attachmentIds = null)
    {
        if (recipient == actor.Id)
            return;
        await notifications.CreateAsync(connection, transaction, new NewNotification(recipient, notificationType, title, body, ticket.Id,
            new { ticket_id = ticket.Id, number = ticket.Number }), ct);
        await emails.EnqueueAsync(connection, transaction, new OutgoingEmail(emailTemplate, recipient, ticket.Id, model, AttachmentIds: attachmentIds), ct);
    }

    private Task PublishAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, string type, TicketResponse ticket,
        bool staffOnly, object data, CancellationToken ct) =>
        events.PublishAsync(connection, transaction,
            new RealtimeEvent(type, ticket.Id, new EventAudience(ticket.RequesterId, staffOnly, null, ticket.GroupId, ticket.AssigneeId), data), ct);

    /// <summary>Audit rows only, for a change with nobody to tell (a file taken off a comment).</summary>
    public async Task RecordAsync(NpgsqlConnection connection, NpgsqlTransaction transaction,
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

    // Links, not the files: the email goes through other systems, the link asks whoever follows it to sign in.
    private string? AttachmentList(CommentResponse comment) => comment.Attachments.Count == 0
        ? null
        : string.Join("\n", comment.Attachments.Select(a =>
            settings.Email.PublicUrl is { } url ? $"{a.FileName}: {url}/attachments/{a.Id}" : a.FileName));

    private static string Words(string value) => value.Replace('_', ' ');

    private static EmailModel Model(TicketResponse ticket, IReadOnlyDictionary<Guid, string> names, Guid actorId) => new()
    {
        TicketNumber = ticket.Number,
        TicketTitle = ticket.Title,
        TicketStatus = ticket.Status,
        TicketPriority = ticket.Priority,
        ActorName = names.GetValueOrDefault(actorId),
        AssigneeName = ticket.AssigneeId is { } a ? names.GetValueOrDefault(a) : null,
        GroupName = ticket.GroupId is { } g ? names.GetValueOrDefault(g) : null,
    };

    private static async Task<IReadOnlyDictionary<Guid, string>> NamesAsync(
        NpgsqlConnection connection, NpgsqlTransaction transaction, Guid[] ids, Guid? groupId, CancellationToken ct) =>
        (await connection.QueryAsync<(Guid Id, string Name)>(new CommandDefinition(NamesSql, new { Ids = ids.Distinct().ToArray(), GroupId = groupId }, transaction, cancellationToken: ct)))
        .ToDictionary(r => r.Id, r => r.Name);
}
