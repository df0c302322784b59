using Dapper;
using Mediator;
using Npgsql;
using SupportDesk.Features.Tickets;
using SupportDesk.Infrastructure.Auth;
using SupportDesk.Infrastructure.Errors;

namespace SupportDesk.Features.Attachments.RemoveAttachment;

public sealed record RemoveAttachmentCommand(CurrentUser Actor, Guid AttachmentId) : ICommand;

public sealed class RemoveAttachmentHandler(NpgsqlDataSource dataSource, TicketActivity activity) : ICommandHandler<RemoveAttachmentCommand>
{
    internal const string LoadSql = $"""
        SELECT {AttachmentResponse.Columns}, c.comment_type
        FROM {AttachmentVisibility.From}
        WHERE a.id = @AttachmentId AND {AttachmentVisibility.VisibleTo}
        FOR UPDATE OF a
        """;

    internal const string DeleteSql = "DELETE FROM attachments WHERE id = @AttachmentId";

    private sealed class Loaded
    {
        public Guid Id { get; init; }
        public Guid? TicketId { get; init; }
        public Guid? CommentId { get; init; }
        public bool OnTicket { get; init; }
        public string FileName { get; init; } = "";
        public Guid UploadedBy { get; init; }
        public string? CommentType { get; init; }
    }

    public async ValueTask<Unit> Handle(RemoveAttachmentCommand command, CancellationToken ct)
    {
        var actor = command.Actor;
        await using var connection = await dataSource.OpenConnectionAsync(ct);
        await using var transaction = await connection.BeginTransactionAsync(ct);
        var attachment = await connection.QuerySingleOrDefaultAsync<Loaded>(new CommandDefinition(LoadSql,
                             new { command.AttachmentId, UserId = actor.Id, actor.IsStaff, SeesAll = actor.SeesAllTickets }, transaction, cancellationToken: ct))
                         ?? throw new NotFoundException("Attachment not found.");
        // What a comment or the ticket carries is part of the conversation: only staff take it out. An upload still
        // waiting is its uploader's.
        var partOfTicket = attachment.CommentId is not null || attachment.OnTicket;
        if (!actor.IsStaff && (partOfTicket || attachment.UploadedBy != actor.Id))
            throw new ForbiddenException("Only the support team may remove a file from a comment.");

        await connection.ExecuteAsync(new CommandDefinition(DeleteSql, new { command.AttachmentId }, transaction, cancellationToken: ct));
        // A waiting upload was never part of the ticket; a file on a comment leaves a trace, as private as its comment.
        if (partOfTicket)
            await activity.RecordAsync(connection, transaction, attachment.TicketId!.Value, actor,
                [new HistoryEntry("attachment_removed", "attachment", $"{attachment.Id} {attachment.FileName}", null,
                    attachment.CommentType == CommentType.Private.ToDb())], ct);
        await transaction.CommitAsync(ct);
        // The bytes stay until the cleanup finds no row pointing at them (other rows may share them).
        return Unit.Value;
    }
}
