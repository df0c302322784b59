using SupportDesk.Infrastructure.OpenApi;

namespace SupportDesk.Features.Inbound;

public static class InboundMessageStatus
{
    /// <summary>Stored, waiting for the worker (or being processed by one right now, under its row lock).</summary>
    public const string Received = "received";
    public const string Processed = "processed";
    /// <summary>Processing threw; the error is kept for an admin to read and retry.</summary>
    public const string Failed = "failed";
    /// <summary>Kept but deliberately not turned into a ticket (a loop, a bounce, the per-sender cap); the reason says which.</summary>
    public const string Flagged = "flagged";

    public static readonly string[] All = [Received, Processed, Failed, Flagged];
}

/// <summary>A stored inbound mail as the admin routes show it (not its bytes).</summary>
public class InboundMessageResponse
{
    /// <summary>Select list over inbound_messages m.</summary>
    public const string Columns = """
        m.id, m.source, m.status, m.reason, m.error, m.attempts, m.message_id, m.envelope_from, m.recipient, m.sender, m.subject, m.size,
        m.is_auto, m.ticket_id, m.comment_id, m.received_at, m.processed_at
        """;

    public Guid Id { get; init; }
    [OpenApiEnum("smtp", "imap")] public string Source { get; init; } = "";
    [OpenApiEnum(InboundMessageStatus.Received, InboundMessageStatus.Processed, InboundMessageStatus.Failed, InboundMessageStatus.Flagged)]
    public string Status { get; init; } = "";
    /// <summary>Why it was flagged, or a note on how it was processed.</summary>
    public string? Reason { get; init; }
    public string? Error { get; init; }
    public int Attempts { get; init; }
    public string? MessageId { get; init; }
    /// <summary>The SMTP envelope sender ("" for the null reverse path of bounces); null for IMAP.</summary>
    public string? EnvelopeFrom { get; init; }
    /// <summary>The SMTP envelope recipient of ours it was sent to (what inbound_address routing rules match); null for IMAP.</summary>
    public string? Recipient { get; init; }
    public string? Sender { get; init; }
    public string? Subject { get; init; }
    public int Size { get; init; }
    /// <summary>Auto-generated (an auto-reply, a list, a bounce): nobody was told about it.</summary>
    public bool IsAuto { get; init; }
    public Guid? TicketId { get; init; }
    public Guid? CommentId { get; init; }
    public DateTime ReceivedAt { get; init; }
    public DateTime? ProcessedAt { get; init; }
}

/// <summary>One inbound mail with its full decoded text: the original, quoted history and signature included, for staff.</summary>
public sealed class InboundMessageDetailResponse : InboundMessageResponse
{
    public string OriginalText { get; set; } = "";
    /// <summary>The header block as received, for tracing where it came from.</summary>
    public string Headers { get; set; } = "";
}
