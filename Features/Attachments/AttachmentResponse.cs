namespace SupportDesk.Features.Attachments;

public sealed class AttachmentResponse
{
    /// <summary>Select list over attachments a.</summary>
    public const string Columns = "a.id, a.ticket_id, a.comment_id, a.on_ticket, a.file_name, a.content_type, a.size, a.sha256, a.created_at, a.uploaded_by";

    public Guid Id { get; init; }
    /// <summary>Null for an upload made before its ticket (POST /attachments) until a new ticket takes it.</summary>
    public Guid? TicketId { get; init; }
    /// <summary>The comment that carries the file; null on the ticket itself or while the upload waits.</summary>
    public Guid? CommentId { get; init; }
    /// <summary>A file of the ticket itself (given when it was opened), seen by whoever sees the ticket.</summary>
    public bool OnTicket { get; init; }
    public string FileName { get; init; } = "";
    /// <summary>Detected from the bytes, not taken from the client.</summary>
    public string ContentType { get; init; } = "";
    public long Size { get; init; }
    public string Sha256 { get; init; } = "";
    public DateTime CreatedAt { get; init; }
    public Guid UploadedBy { get; init; }
}
