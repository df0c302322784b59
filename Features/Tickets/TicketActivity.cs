using Dapper;
using Npgsql;
using SupportDesk.Features.Attachments;
using SupportDesk.Infrastructure.Auth;
using SupportDesk.Infrastructure.Configuration;
using SupportDesk.Infrastructure.Email;
using SupportDesk.Infrastructure.Notifications;
using SupportDesk.Infrastructure.Realtime;
using SupportDesk.Infrastructure.Sla;

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
public sealed class TicketActivity(TimeProvider clock, EmailOutbox emails, RealtimeEvents events, NotificationWriter notifications, AppSettings settings,
    SlaClock sla)
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

    internal const string FollowersSql = "SELECT user_id FROM ticket_followers WHERE ticket_id = @TicketId ORDER BY created_at, user_id";

    /// <param name="notify">False for a ticket opened by auto-generated mail: no confirmation goes back (no mail loops).</param>
    /// <param name="fields">The live definitions when the caller read them in this transaction already (not read again).</param>
    public async Task CreatedAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, TicketResponse ticket, CurrentUser actor, CancellationToken ct,
        bool notify = true, IReadOnlyList<TicketFieldResponse>? fields = null)
    {
        // The clock first, so the event and the answer carry the due times.
        if (await sla.ApplyAsync(connection, transaction, null, ForSla(ticket), SlaReply.None, ct) is { } clockState)
            ticket.SetSla(clockState.Summary);
        var views = await ViewsAsync(connection, transaction, ticket, fields, ct);
        await RecordAsync(connection, transaction, ticket.Id, actor, [new HistoryEntry("created", null, null, ticket.Title)], ct);
        await PublishAsync(connection, transaction, RealtimeEventTypes.TicketCreated, ticket, staffOnly: false, views.Customer, ct);
        if (!notify)
            return;
        // The requester's confirmation, also when an agent opened the ticket on their behalf.
        var names = await NamesAsync(connection, transaction, [actor.Id], ticket.GroupId, ct);
        await emails.EnqueueAsync(connection, transaction,
            new OutgoingEmail(EmailTemplateKeys.TicketCreated, ticket.RequesterId, ticket.Id, Model(views.Customer, views.Fields, names, actor.Id)), ct);
    }

    /// <summary>
    /// The ticket as its requester may see it (what every event they also receive carries) and as staff see it.
    /// The definitions are read only when the ticket holds custom field values and the caller has not read them yet.
    /// </summary>
    private static async Task<(TicketResponse Customer, TicketResponse Staff, IReadOnlyList<TicketFieldResponse> Fields)> ViewsAsync(
        NpgsqlConnection connection, NpgsqlTransaction transaction, TicketResponse ticket, IReadOnlyList<TicketFieldResponse>? read, CancellationToken ct)
    {
        var fields = ticket.StoredCustomFields == "{}" ? [] : read ?? await CustomFieldCatalog.LiveAsync(connection, transaction, ct);
        return (ticket.ViewedBy(fields, isStaff: false), ticket.ViewedBy(fields, isStaff: true), fields);
    }

    /// <param name="fields">The live definitions when the caller read them in this transaction already (not read again).</param>
    public async Task UpdatedAsync(NpgsqlConnection connection, NpgsqlTransaction transaction,
        TicketResponse before, TicketResponse after, IReadOnlyList<HistoryEntry> history, CurrentUser actor, CancellationToken ct,
        IReadOnlyList<TicketFieldResponse>? fields = null)
    {
        var recorded = history;
        if (await sla.ApplyAsync(connection, transaction, ForSla(before), ForSla(after), SlaReply.None, ct) is { } clockState)
        {
            after.SetSla(clockState.Summary);
            // A re-evaluation that moved the policy (or the priority whose targets apply) is part of the audit trail, for staff.
            if (clockState.PolicyChanged)
                recorded = [.. history, new HistoryEntry("updated", "sla_policy", clockState.OldPolicy, clockState.NewPolicy, IsPrivate: true)];
        }
        await RecordAsync(connection, transaction, after.Id, actor, recorded, ct);
        var views = await ViewsAsync(connection, transaction, after, fields, ct);

        // A change to a staff-only custom field is an event of its own that only staff receive.
        var updates = history.Where(h => h.Action == "updated" && h.Field is not null).ToList();
        var publicChanges = updates.Where(h => !h.IsPrivate).Select(h => new FieldChange(h.Field!, h.OldValue, h.NewValue)).ToList();
        var staffChanges = updates.Where(h => h.IsPrivate).Select(h => new FieldChange(h.Field!, h.OldValue, h.NewValue)).ToList();
        if (publicChanges.Count > 0)
            await PublishAsync(connection, transaction, RealtimeEventTypes.TicketUpdated, after, false, new { changes = publicChanges, ticket = views.Customer }, ct);
        if (staffChanges.Count > 0)
            await PublishAsync(connection, transaction, RealtimeEventTypes.TicketUpdated, after, true, new { changes = staffChanges, ticket = views.Staff }, ct);

        var statusChanged = before.Status != after.Status;
        var assigneeChanged = before.AssigneeId != after.AssigneeId;
        if (statusChanged)
            await PublishAsync(connection, transaction, RealtimeEventTypes.TicketStatusChanged, after, false, new { from = before.Status, to = after.Status, ticket = views.Customer }, ct);
        if (assigneeChanged)
            await PublishAsync(connection, transaction, RealtimeEventTypes.TicketAssigned, after, false,
                new { assignee_id = after.AssigneeId, previous_assignee_id = before.AssigneeId, ticket = views.Customer }, ct);
        var newAssignee = assigneeChanged ? after.AssigneeId : null;
        if (!statusChanged && newAssignee is null)
            return;

        var names = await NamesAsync(connection, transaction, [actor.Id, .. after.AssigneeId is { } a ? new[] { a } : []], after.GroupId, ct);
        if (statusChanged)
            await TellAsync(connection, transaction, after.RequesterId, actor, after, EmailTemplateKeys.TicketStatusChanged,
                RealtimeEventTypes.TicketStatusChanged, $"#{after.Number} is now {Words(after.Status)}", after.Title,
                Model(views.Customer, views.Fields, names, actor.Id) with { OldStatus = before.Status }, ct);
        if (newAssignee is { } assignee)
            await TellAsync(connection, transaction, assignee, actor, after, EmailTemplateKeys.TicketAssigned,
                RealtimeEventTypes.TicketAssigned, $"#{after.Number} was assigned to you", after.Title, Model(views.Staff, views.Fields, names, actor.Id), ct);
    }

    public async Task CommentedAsync(NpgsqlConnection connection, NpgsqlTransaction transaction,
        TicketResponse before, TicketStatus statusAfter, CommentResponse comment, IReadOnlyList<HistoryEntry> history,
        CurrentUser actor, CancellationToken ct, bool notify = true)
    {
        var isPrivate = comment.CommentType == CommentType.Private.ToDb();
        // A private note fulfils nothing: only what the customer can read is a reply.
        var reply = isPrivate ? SlaReply.None : actor.IsStaff ? SlaReply.Staff : SlaReply.Customer;
        var afterSla = ForSla(before) with { Status = statusAfter.ToDb() };
        if (reply == SlaReply.Staff)
            afterSla = afterSla with { FirstResponseAt = before.FirstResponseAt ?? clock.GetUtcNow().UtcDateTime };
        await sla.ApplyAsync(connection, transaction, ForSla(before), afterSla, reply, ct);
        await RecordAsync(connection, transaction, before.Id, actor, history, ct);
        await PublishAsync(connection, transaction, RealtimeEventTypes.CommentCreated, before, staffOnly: isPrivate, comment, ct);
        if (comment.Attachments.Count > 0)
            await PublishAsync(connection, transaction, RealtimeEventTypes.AttachmentAdded, before, staffOnly: isPrivate,
                new { comment_id = comment.Id, attachments = comment.Attachments }, ct);
        if (statusAfter.ToDb() != before.Status)
            await PublishAsync(connection, transaction, RealtimeEventTypes.TicketStatusChanged, before, false,
                new { from = before.Status, to = statusAfter.ToDb(), ticket_id = before.Id }, ct);
        if (isPrivate || !notify)
            return;

        // A public staff reply goes to the requester; a customer's reply goes to whoever holds the ticket, and a
        // colleague's (through a shared organization) to the requester as well. Followers (Cc'd on the ticket's
        // mail) get every public reply by mail.
        Guid?[] recipients = actor.IsStaff
            ? [before.RequesterId]
            : [before.AssigneeId, before.RequesterId == actor.Id ? null : before.RequesterId];
        var followers = (await connection.QueryAsync<Guid>(new CommandDefinition(FollowersSql, new { TicketId = before.Id }, transaction, cancellationToken: ct)))
            .Where(f => f != actor.Id && f != before.RequesterId && f != before.AssigneeId).ToList();
        if (recipients.All(r => r is null) && followers.Count == 0)
            return;
        var names = await NamesAsync(connection, transaction, [actor.Id, .. before.AssigneeId is { } a ? new[] { a } : []], before.GroupId, ct);
        var views = await ViewsAsync(connection, transaction, before, null, ct);
        var files = comment.Attachments.Select(f => f.Id).ToList();
        foreach (var recipient in recipients.OfType<Guid>())
            await TellAsync(connection, transaction, recipient, actor, before, EmailTemplateKeys.CommentAdded,
                RealtimeEventTypes.CommentCreated, $"New reply on #{before.Number}", comment.Content,
                Model(recipient == before.RequesterId ? views.Customer : views.Staff, views.Fields, names, actor.Id)
                    with { CommentText = comment.Content, AttachmentList = AttachmentList(comment) }, ct, files);
        // Followers are told as customers are: only what the requester may read.
        var followerModel = Model(views.Customer, views.Fields, names, actor.Id) with { CommentText = comment.Content, AttachmentList = AttachmentList(comment) };
        foreach (var follower in followers)
            await emails.EnqueueAsync(connection, transaction,
                new OutgoingEmail(EmailTemplateKeys.CommentAdded, follower, before.Id, followerModel, AttachmentIds: files, ToFollower: true), ct);
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

    private static SlaTicket ForSla(TicketResponse t) =>
        new(t.Id, t.Status, t.Priority, t.Category, t.Tags, t.AssigneeId, t.FirstResponseAt, t.SlaPolicyId);

    private static string Words(string value) => value.Replace('_', ' ');

    /// <summary>The email's values; ticket is already the recipient's view, so fields holds only what they may see.</summary>
    private static EmailModel Model(TicketResponse ticket, IReadOnlyList<TicketFieldResponse> fields, IReadOnlyDictionary<Guid, string> names, Guid actorId) => new()
    {
        Fields = CustomFieldValues.ForReading(ticket.CustomFields, fields),
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
