using MimeKit;

namespace SupportDesk.Features.Inbound.ProcessInbound;

public enum MailKind
{
    /// <summary>Written by a person.</summary>
    Human,
    /// <summary>An auto-reply, a newsletter, a list message: stored, never answered, never reopens a ticket.</summary>
    Automatic,
    /// <summary>A bounce or delivery report: flagged, not a ticket.</summary>
    Bounce,
}

/// <summary>The loop-protection rules (RFC 3834 and what real mailers send instead of it).</summary>
public static class MailClassifier
{
    public static MailKind Classify(MimeMessage message, string? envelopeFrom)
    {
        var from = message.From.Mailboxes.FirstOrDefault()?.Address ?? "";
        var local = from.Split('@')[0];
        if (message.Body is MultipartReport
            || message.Body is Multipart { ContentType.MediaSubtype: "report" }
            || local.Equals("mailer-daemon", StringComparison.OrdinalIgnoreCase)
            || local.Equals("postmaster", StringComparison.OrdinalIgnoreCase)
            // "MAIL FROM:<>": the null reverse path of bounces and delivery notifications.
            || envelopeFrom is { Length: 0 }
            || message.Headers[HeaderId.ReturnPath]?.Trim() is "<>")
            return MailKind.Bounce;

        var headers = message.Headers;
        if (headers[HeaderId.AutoSubmitted] is { } auto && !auto.Trim().StartsWith("no", StringComparison.OrdinalIgnoreCase))
            return MailKind.Automatic;
        if (headers[HeaderId.Precedence]?.Trim().ToLowerInvariant() is "bulk" or "junk" or "list" or "auto_reply")
            return MailKind.Automatic;
        if (headers.Contains("X-Autoreply") || headers.Contains("X-Autorespond") || headers.Contains("X-Auto-Response-Suppress") && IsAutoReplySubject(message.Subject))
            return MailKind.Automatic;
        if (headers.Contains(HeaderId.ListId) || headers.Contains(HeaderId.ListUnsubscribe))
            return MailKind.Automatic;
        return MailKind.Human;
    }

    // Outlook's out-of-office carries X-Auto-Response-Suppress and a telling subject; a human's mail may carry the header too.
    private static bool IsAutoReplySubject(string? subject) =>
        subject is not null && (subject.StartsWith("Automatic reply", StringComparison.OrdinalIgnoreCase)
                                || subject.StartsWith("Out of Office", StringComparison.OrdinalIgnoreCase)
                                || subject.StartsWith("Autoreply", StringComparison.OrdinalIgnoreCase));
}
