namespace SupportDesk.Features.Attachments;

public sealed class AttachmentResponse
{
    /// <summary>Select list over attachments a.</summary>
    public const string Columns = "a.id, a.ticket_id, a.comment_id, a.file_name, a.content_type, a.size, a.sha256, a.created_at, a.uploaded_by";

    public Guid Id { get; init; }
    public Guid TicketId { get; init; }
    /// <summary>Null while the upload waits for a comment to carry it.</summary>
    public Guid? CommentId { get; init; }
    public string FileName { get; init; } = "";
    /// <summary>Detected from the bytes, not taken from the client.</summary>
    public string ContentType { get; init; } = "";
    public long Size { get; init; }
    public string Sha256 { get; init; } = "";
    public DateTime CreatedAt { get; init; }
    public Guid UploadedBy { get; init; }
}
