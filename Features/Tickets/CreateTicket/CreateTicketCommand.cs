using System.Text.Json;
using Dapper;
using Mediator;
using Npgsql;
using SupportDesk.Features.Attachments;
using SupportDesk.Infrastructure.Auth;
using SupportDesk.Infrastructure.Configuration;
using SupportDesk.Infrastructure.Errors;

namespace SupportDesk.Features.Tickets.CreateTicket;

public sealed record CreateTicketCommand(
    CurrentUser Actor, string Title, string Description, TicketPriority Priority, string? Category, string[]? Tags, Guid? RequesterId,
    IReadOnlyList<Guid> AttachmentIds, IReadOnlyDictionary<string, JsonElement>? CustomFields = null, Guid? GroupId = null)
    : ICommand<TicketResponse>;

public sealed class CreateTicketHandler(NpgsqlDataSource dataSource, TicketActivity activity, AppSettings settings, TimeProvider clock)
    : ICommandHandler<CreateTicketCommand, TicketResponse>
{
    private const string RequesterSql = "SELECT role FROM users WHERE id = @RequesterId AND is_active";

    internal const string InsertSql = $"""
        INSERT INTO tickets AS t (id, title, description, priority, category, tags, requester_id, created_by, custom_fields, group_id)
        VALUES (@Id, @Title, @Description, @Priority, @Category, @Tags, @RequesterId, @CreatedBy, @CustomFields::jsonb, @GroupId)
        RETURNING {TicketResponse.Columns}
        """;

    public async ValueTask<TicketResponse> Handle(CreateTicketCommand command, CancellationToken ct)
    {
        var actor = command.Actor;
        var requesterId = command.RequesterId ?? actor.Id;
        if (requesterId != actor.Id && !actor.IsStaff)
            throw new ForbiddenException("Customers open tickets for themselves only.");
        if (command.GroupId is not null && !actor.IsStaff)
            throw new ForbiddenException("Customers cannot choose a ticket's group.");

        await using var connection = await dataSource.OpenConnectionAsync(ct);
        await using var transaction = await connection.BeginTransactionAsync(ct);

        if (requesterId != actor.Id)
        {
            var role = await connection.QuerySingleOrDefaultAsync<string>(
                new CommandDefinition(RequesterSql, new { RequesterId = requesterId }, transaction, cancellationToken: ct));
            if (role != Roles.Customer)
                throw new FieldValidationException("requester_id", "No active customer has this id.");
        }

        // Every live definition is read: required_on_create applies to the fields the request leaves out too.
        var fields = await CustomFieldCatalog.ForWriteAsync(connection, transaction, command.CustomFields?.Keys ?? Enumerable.Empty<string>(), ct);
        var (values, _) = CustomFieldValues.Apply("{}", command.CustomFields, fields, actor.IsStaff);
        CustomFieldValues.EnsureRequired(values, fields, actor.IsStaff, f => f.RequiredOnCreate, (field, message) => new FieldValidationException(field, message));

        // The first matching routing rule sets the group (unless staff chose one), the priority, and adds tags.
        var category = TicketFieldRules.NormalizeCategory(command.Category);
        var tags = TicketFieldRules.NormalizeTags(command.Tags);
        var priority = command.Priority.ToDb();
        var route = await TicketRouting.MatchAsync(connection, transaction, category, tags, priority, inboundAddress: null, ct);
        var groupId = command.GroupId ?? route?.SetGroupId;
        if (route is not null)
        {
            priority = route.SetPriority ?? priority;
            tags = TicketFieldRules.NormalizeTags(tags.Concat(route.AddTags)).Take(TicketFieldRules.MaxTags).ToArray();
        }
        if (groupId is { } group)
            await TicketGroup.EnsureExistsAsync(connection, transaction, group, ct);

        var ticket = await connection.QuerySingleAsync<TicketResponse>(new CommandDefinition(InsertSql, new
        {
            Id = Guid.CreateVersion7(),
            Title = command.Title.Trim(),
            command.Description,
            Priority = priority,
            Category = category,
            Tags = tags,
            RequesterId = requesterId,
            CreatedBy = actor.Id,
            CustomFields = values.ToJsonString(),
            GroupId = groupId,
        }, transaction, cancellationToken: ct));

        await activity.CreatedAsync(connection, transaction, ticket, actor, ct, fields: fields);
        if (route is not null)
            await activity.RecordAsync(connection, transaction, ticket.Id, actor, [new HistoryEntry("routed", "routing_rule", null, $"{route.Id} {route.Name}")], ct);
        // The ticket opens with its files or not at all.
        var limits = settings.Attachments;
        var files = await TicketAttachments.LinkAsync(connection, transaction, ticket.Id, actor, command.AttachmentIds,
            clock.GetUtcNow().UtcDateTime - limits.UnlinkedLifetime, limits.MaxTicketBytes, ct);
        await activity.FilesAddedAsync(connection, transaction, ticket, files, actor, ct);
        ticket = await GroupAssignment.AssignNewAsync(connection, transaction, ticket, activity, actor, ct);
        await transaction.CommitAsync(ct);
        return ticket.ViewedBy(fields, actor.IsStaff);
    }
}
