using SupportDesk.Infrastructure.Auth;

namespace SupportDesk.Features.Attachments;

/// <summary>
/// "Which attachments may this user see", once for every place that shows one. SQL condition over attachments a,
/// tickets t (a's ticket) and comments c (a's comment, left-joined), parameters @UserId and @IsStaff: whoever may see
/// the ticket and the comment; an upload no comment carries yet only its uploader (and staff). A deleted ticket hides
/// them all.
/// </summary>
public static class AttachmentVisibility
{
    public const string From = "attachments a JOIN tickets t ON t.id = a.ticket_id LEFT JOIN comments c ON c.id = a.comment_id";

    public const string VisibleTo = $"""
        {TicketVisibility.VisibleTo}
        AND (@IsStaff OR (a.comment_id IS NULL AND a.uploaded_by = @UserId) OR c.comment_type = 'public')
        """;
}
