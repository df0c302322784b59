using Dapper;
using Npgsql;
using SupportDesk.Infrastructure.Auth;
using SupportDesk.Infrastructure.Errors;

namespace SupportDesk.Features.Attachments;

/// <summary>What the comment slices need of attachments: linking uploads to a new comment, and reading a page's files.</summary>
public static class CommentAttachments
{
    // Only the caller's own uploads to this ticket that no comment carries yet and that have not expired (the cleanup
    // may not have run yet); the UPDATE locks them, so two comments cannot take one.
    internal const string LinkSql = $"""
        WITH linked AS (
            UPDATE attachments a SET comment_id = @CommentId
            WHERE a.id = ANY(@Ids) AND a.ticket_id = @TicketId AND a.uploaded_by = @UserId AND a.comment_id IS NULL
                AND NOT a.on_ticket AND a.created_at > @ExpiredBefore
            RETURNING a.*
        )
        SELECT {AttachmentResponse.Columns} FROM linked a ORDER BY a.created_at, a.id
        """;

    internal const string ForCommentsSql = $"""
        SELECT {AttachmentResponse.Columns}
        FROM {AttachmentVisibility.From}
        WHERE a.comment_id = ANY(@CommentIds) AND {AttachmentVisibility.VisibleTo}
        ORDER BY a.created_at, a.id
        """;

    /// <summary>
    /// Links the uploads to the comment, in the comment's transaction. Any id that is not such an upload (unknown,
    /// someone else's, another ticket's, already on a comment) refuses the whole comment, with the same message for each.
    /// </summary>
    public static async Task<IReadOnlyList<AttachmentResponse>> LinkAsync(NpgsqlConnection connection, NpgsqlTransaction transaction,
        Guid ticketId, Guid commentId, CurrentUser uploader, IReadOnlyList<Guid> ids, DateTime expiredBefore, CancellationToken ct)
    {
        if (ids.Count == 0)
            return [];
        var linked = (await connection.QueryAsync<AttachmentResponse>(new CommandDefinition(LinkSql,
            new { Ids = ids.ToArray(), TicketId = ticketId, CommentId = commentId, UserId = uploader.Id, ExpiredBefore = expiredBefore }, transaction, cancellationToken: ct))).AsList();
        var found = linked.Select(a => a.Id).ToHashSet();
        for (var i = 0; i < ids.Count; i++)
            if (!found.Contains(ids[i]))
                throw new FieldValidationException($"attachment_ids[{i}]", "No upload of yours to this ticket with this id is waiting for a comment.");
        return linked;
    }

    /// <summary>The attachments of these comments that the user may see, by comment.</summary>
    public static async Task<ILookup<Guid, AttachmentResponse>> ForCommentsAsync(NpgsqlConnection connection,
        IReadOnlyCollection<Guid> commentIds, CurrentUser user, CancellationToken ct)
    {
        if (commentIds.Count == 0)
            return Array.Empty<AttachmentResponse>().ToLookup(a => a.CommentId!.Value);
        var rows = await connection.QueryAsync<AttachmentResponse>(new CommandDefinition(ForCommentsSql,
            new { CommentIds = commentIds.ToArray(), UserId = user.Id, user.IsStaff, SeesAll = user.SeesAllTickets }, cancellationToken: ct));
        return rows.ToLookup(a => a.CommentId!.Value);
    }
}
