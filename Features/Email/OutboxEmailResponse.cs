using SupportDesk.Infrastructure.Email;
using SupportDesk.Infrastructure.OpenApi;

namespace SupportDesk.Features.Email;

/// <summary>An outbox row as the admin routes show it: addressing and delivery state, never the bodies (they may hold reset links).</summary>
public sealed class OutboxEmailResponse
{
    public const string Columns = """
        id, template_key, recipient_id, to_address, to_name, ticket_id, subject, message_id,
        status, attempts, next_attempt_at, last_error, created_at, sent_at, updated_at
        """;

    public Guid Id { get; init; }
    public string TemplateKey { get; init; } = "";
    public Guid RecipientId { get; init; }
    public string ToAddress { get; init; } = "";
    public string ToName { get; init; } = "";
    public Guid? TicketId { get; init; }
    public string Subject { get; init; } = "";
    public string MessageId { get; init; } = "";
    /// <summary>pending, sending, sent or failed.</summary>
    [OpenApiEnum(EmailOutboxStatus.Pending, EmailOutboxStatus.Sending, EmailOutboxStatus.Sent, EmailOutboxStatus.Failed)] public string Status { get; init; } = "";
    public int Attempts { get; init; }
    public DateTime NextAttemptAt { get; init; }
    public string? LastError { get; init; }
    public DateTime CreatedAt { get; init; }
    public DateTime? SentAt { get; init; }
    public DateTime UpdatedAt { get; init; }
}
