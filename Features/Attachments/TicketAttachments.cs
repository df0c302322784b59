using Dapper;
using Npgsql;
using SupportDesk.Infrastructure.Auth;
using SupportDesk.Infrastructure.Errors;

namespace SupportDesk.Features.Attachments;

/// <summary>What opening a ticket needs of attachments: the uploads it was opened with become files of the ticket.</summary>
public static class TicketAttachments
{
    // The caller's own uploads made before any ticket (POST /attachments), still waiting and not expired.
    internal const string LinkSql = $"""
        WITH linked AS (
            UPDATE attachments a SET ticket_id = @TicketId, on_ticket = true
            WHERE a.id = ANY(@Ids) AND a.ticket_id IS NULL AND a.uploaded_by = @UserId AND a.created_at > @ExpiredBefore
            RETURNING a.*
        )
        SELECT {AttachmentResponse.Columns} FROM linked a ORDER BY a.created_at, a.id
        """;

    /// <summary>
    /// Makes the uploads files of the new ticket, in its transaction. Any id that is not such an upload refuses the
    /// ticket, with the same message for each; together they must fit the per-ticket limit.
    /// </summary>
    public static async Task<IReadOnlyList<AttachmentResponse>> LinkAsync(NpgsqlConnection connection, NpgsqlTransaction transaction,
        Guid ticketId, CurrentUser uploader, IReadOnlyList<Guid> ids, DateTime expiredBefore, long maxTicketBytes, CancellationToken ct)
    {
        if (ids.Count == 0)
            return [];
        var linked = (await connection.QueryAsync<AttachmentResponse>(new CommandDefinition(LinkSql,
            new { Ids = ids.ToArray(), TicketId = ticketId, UserId = uploader.Id, ExpiredBefore = expiredBefore }, transaction, cancellationToken: ct))).AsList();
        var found = linked.Select(a => a.Id).ToHashSet();
        for (var i = 0; i < ids.Count; i++)
            if (!found.Contains(ids[i]))
                throw new FieldValidationException($"attachment_ids[{i}]", "No upload of yours with this id is waiting for a ticket (POST /attachments).");
        if (linked.Sum(a => a.Size) > maxTicketBytes)
            throw new PayloadTooLargeException("attachment_ids", $"A ticket holds at most {maxTicketBytes} bytes of attachments.");
        return linked;
    }
}
