using SupportDesk.Infrastructure.Auth;

namespace SupportDesk.Features.Attachments;

/// <summary>
/// "Which attachments may this user see", once for every place that shows one. SQL condition over attachments a,
/// tickets t and comments c (both left-joined), parameters @UserId, @IsStaff and @SeesAll: a file on a comment, whoever may see
/// the ticket and the comment; a file on the ticket itself, whoever may see the ticket; an upload still waiting, its
/// uploader (and, once it names a ticket, staff). A deleted ticket hides them all.
/// </summary>
public static class AttachmentVisibility
{
    public const string From = "attachments a LEFT JOIN tickets t ON t.id = a.ticket_id LEFT JOIN comments c ON c.id = a.comment_id";

    public const string VisibleTo = $"""
        ((a.ticket_id IS NULL AND a.uploaded_by = @UserId)
         OR (a.ticket_id IS NOT NULL AND {TicketVisibility.VisibleTo}
             AND (@IsStaff OR a.on_ticket OR (a.comment_id IS NULL AND a.uploaded_by = @UserId) OR c.comment_type = 'public')))
        """;
}
