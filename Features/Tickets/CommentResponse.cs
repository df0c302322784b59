using SupportDesk.Features.Attachments;
using SupportDesk.Infrastructure.OpenApi;

namespace SupportDesk.Features.Tickets;

public sealed class CommentResponse
{
    /// <summary>Select list over comments c (author name from users u).</summary>
    public const string Columns = """
        c.id, c.ticket_id, c.author_id, (u.first_name || ' ' || u.last_name) AS author_name,
        c.content, c.comment_type, c.created_at, c.updated_at
        """;

    public Guid Id { get; init; }
    public Guid TicketId { get; init; }
    public Guid AuthorId { get; init; }
    public string AuthorName { get; init; } = "";
    public string Content { get; init; } = "";
    [OpenApiEnum(typeof(CommentType))] public string CommentType { get; init; } = "";
    public DateTime CreatedAt { get; init; }
    public DateTime UpdatedAt { get; init; }
    /// <summary>Files on this comment (it is only ever shown to those who may see the comment).</summary>
    public IReadOnlyList<AttachmentResponse> Attachments { get; set; } = [];
}
