using Dapper;
using Mediator;
using Npgsql;
using SupportDesk.Features.Attachments;
using SupportDesk.Infrastructure.Auth;
using SupportDesk.Infrastructure.Configuration;
using SupportDesk.Infrastructure.Errors;

namespace SupportDesk.Features.Tickets.AddComment;

public sealed record AddCommentCommand(CurrentUser Actor, Guid TicketId, string Content, CommentType Type, IReadOnlyList<Guid> AttachmentIds) : ICommand<CommentResponse>;

public sealed class AddCommentHandler(NpgsqlDataSource dataSource, TicketActivity activity, TimeProvider clock, AppSettings settings)
    : ICommandHandler<AddCommentCommand, CommentResponse>
{
    internal const string InsertSql = $"""
        WITH c AS (
            INSERT INTO comments (id, ticket_id, author_id, content, comment_type, created_at, updated_at)
            VALUES (@Id, @TicketId, @AuthorId, @Content, @CommentType, @Now, @Now)
            RETURNING *
        )
        SELECT {CommentResponse.Columns} FROM c JOIN users u ON u.id = c.author_id
        """;

    // A public comment is activity on the ticket: it moves updated_at and the ETag, and may set first_response_at or reopen it.
    internal const string TouchTicketSql = """
        UPDATE tickets SET
            status = @Status,
            resolved_at = @ResolvedAt,
            closed_at = @ClosedAt,
            first_response_at = @FirstResponseAt,
            version = version + 1
        WHERE id = @TicketId
        """;

    public async ValueTask<CommentResponse> Handle(AddCommentCommand command, CancellationToken ct)
    {
        var actor = command.Actor;
        await using var connection = await dataSource.OpenConnectionAsync(ct);
        await using var transaction = await connection.BeginTransactionAsync(ct);

        var ticket = await TicketAccess.LoadForCommentAsync(connection, transaction, command.TicketId, actor, ct);
        if (command.Type == CommentType.Private && !actor.IsStaff)
            throw new ForbiddenException("Private comments are for the support team only.");

        var now = clock.GetUtcNow().UtcDateTime;
        var comment = await connection.QuerySingleAsync<CommentResponse>(new CommandDefinition(InsertSql, new
        {
            Id = Guid.CreateVersion7(),
            command.TicketId,
            AuthorId = actor.Id,
            command.Content,
            CommentType = command.Type.ToDb(),
            Now = now,
        }, transaction, cancellationToken: ct));

        var isPrivate = command.Type == CommentType.Private;
        var history = new List<HistoryEntry> { new("commented", "comment", null, comment.Id.ToString(), isPrivate) };
        // In this transaction: the comment and its files appear together or not at all. They share its privacy.
        comment.Attachments = await CommentAttachments.LinkAsync(connection, transaction, command.TicketId, comment.Id, actor, command.AttachmentIds,
            now - settings.Attachments.UnlinkedLifetime, ct);
        history.AddRange(comment.Attachments.Select(a => new HistoryEntry("attachment_added", "attachment", null, $"{a.Id} {a.FileName}", isPrivate)));

        var status = TicketValues.ParseStatus(ticket.Status);
        var (resolvedAt, closedAt) = (ticket.ResolvedAt, ticket.ClosedAt);
        var firstResponseAt = ticket.FirstResponseAt;
        if (actor.IsStaff && !isPrivate && firstResponseAt is null)
            firstResponseAt = now;
        if (!actor.IsStaff && status is TicketStatus.Pending or TicketStatus.Resolved)
        {
            // The customer answered: the ball is back with the support team.
            (resolvedAt, closedAt) = TicketRules.Timestamps(status, TicketStatus.Open, resolvedAt, closedAt, now);
            history.Add(new HistoryEntry("status_changed", "status", ticket.Status, TicketStatus.Open.ToDb()));
            status = TicketStatus.Open;
        }

        // A private note leaves the ticket row alone: a customer watching its ETag or updated_at would otherwise
        // learn that the team wrote something they may not see. It changes nothing of the ticket's own fields.
        if (!isPrivate)
        {
            await connection.ExecuteAsync(new CommandDefinition(TouchTicketSql, new
            {
                command.TicketId,
                Status = status.ToDb(),
                ResolvedAt = resolvedAt,
                ClosedAt = closedAt,
                FirstResponseAt = firstResponseAt,
            }, transaction, cancellationToken: ct));
        }

        await activity.CommentedAsync(connection, transaction, ticket, status, comment, history, actor, ct);
        await transaction.CommitAsync(ct);
        return comment;
    }
}
