using System.Reflection;
using SupportDesk.Infrastructure.Json;

namespace SupportDesk.Infrastructure.Email;

/// <summary>
/// The values a template can use, exposed to Liquid under their snake_case names (TicketTitle → ticket_title).
/// Every field is documented in README, section "Email templates". Null fields are Liquid nil (falsy in {% if %}).
/// </summary>
public sealed record EmailModel
{
    public long? TicketNumber { get; init; }
    public string? TicketTitle { get; init; }
    public string? TicketStatus { get; init; }
    public string? OldStatus { get; init; }
    public string? TicketPriority { get; init; }
    /// <summary>Filled from PUBLIC_URL and the ticket id when the caller leaves it null.</summary>
    public string? TicketLink { get; init; }
    /// <summary>Filled with the recipient's first name when the caller leaves it null.</summary>
    public string? RecipientName { get; init; }
    public string? ActorName { get; init; }
    public string? CommentText { get; init; }
    /// <summary>The comment's files, one per line: the name, and its link when PUBLIC_URL is set.</summary>
    public string? AttachmentList { get; init; }
    public string? AssigneeName { get; init; }
    /// <summary>The name of the ticket's group, if it has one.</summary>
    public string? GroupName { get; init; }
    public string? ResetLink { get; init; }
    /// <summary>Custom field values by key ({{ fields.order_number }}), as the recipient may see them: option labels, yes/no.</summary>
    public IReadOnlyDictionary<string, string>? Fields { get; init; }
    /// <summary>first_reply, next_reply or resolution, for the SLA emails.</summary>
    public string? SlaTarget { get; init; }
    /// <summary>When the SLA target is (or was) due, UTC, ISO 8601.</summary>
    public string? SlaDueAt { get; init; }

    /// <summary>What previews render against.</summary>
    public static EmailModel Sample { get; } = new()
    {
        TicketNumber = 1042,
        TicketTitle = "Cannot sign in after the update",
        TicketStatus = "in_progress",
        OldStatus = "open",
        TicketPriority = "high",
        TicketLink = "https://support.example.com/tickets/0196b3a2-6f1e-7c3d-9a51-2f6e8d4c1b07",
        RecipientName = "Cara",
        ActorName = "Alex Agent",
        CommentText = "Could you try again with the new version and tell us what you see?\nThanks!",
        AttachmentList = "screenshot.png: https://support.example.com/attachments/3f2b8c1e-9d4a-4e6b-8a7c-5d1e2f3a4b6c",
        AssigneeName = "Alex Agent",
        GroupName = "Billing",
        ResetLink = "https://support.example.com/reset-password?token=sample-token",
        Fields = new Dictionary<string, string> { ["order_number"] = "A-1042", ["plan"] = "Gold" },
        SlaTarget = "first_reply",
        SlaDueAt = "2026-11-30T09:30:00Z",
    };

    private static readonly (string Name, PropertyInfo Property)[] Members = typeof(EmailModel)
        .GetProperties(BindingFlags.Public | BindingFlags.Instance)
        .Select(p => (JsonSetup.ToSnakeCase(p.Name), p))
        .ToArray();

    /// <summary>The Liquid names of every field, in declaration order.</summary>
    public static IReadOnlyList<string> FieldNames { get; } = Members.Select(f => f.Name).ToArray();

    internal IEnumerable<(string Name, object? Value)> LiquidValues() =>
        Members.Select(f => (f.Name, f.Property.GetValue(this)));
}

/// <summary>
/// One email to enqueue: which template, for whom, about which ticket (null for account emails), with what values.
/// Secret: a value the mail carries where the model has <see cref="OutboxSecrets.Placeholder"/>; it is stored only
/// sealed and put in at send time.
/// </summary>
/// <summary>An email to queue. AttachmentIds: the files it is about (attached at send time with EMAIL_ATTACH_FILES).</summary>
/// <param name="ToFollower">The recipient follows the ticket (Cc'd on its mail) and may get its public updates without seeing it in the app.</param>
public sealed record OutgoingEmail(string TemplateKey, Guid RecipientUserId, Guid? TicketId, EmailModel Model, string? Secret = null,
    IReadOnlyList<Guid>? AttachmentIds = null, bool ToFollower = false);

/// <summary>The template keys the service ships (inserted by migration M20261125150000).</summary>
public static class EmailTemplateKeys
{
    public const string TicketCreated = "ticket_created";
    public const string TicketStatusChanged = "ticket_status_changed";
    public const string CommentAdded = "comment_added";
    public const string TicketAssigned = "ticket_assigned";
    public const string PasswordReset = "password_reset";
    public const string SlaWarning = "sla_warning";
    public const string SlaBreached = "sla_breached";

    /// <summary>Previews add the [#number] subject token except for templates that are not about a ticket.</summary>
    public static bool IsAboutTicket(string key) => key != PasswordReset;
}

public static class EmailOutboxStatus
{
    public const string Pending = "pending";
    public const string Sending = "sending";
    public const string Sent = "sent";
    public const string Failed = "failed";

    public static readonly string[] All = [Pending, Sending, Sent, Failed];
}
