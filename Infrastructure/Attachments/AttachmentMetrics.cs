using Prometheus;

namespace SupportDesk.Infrastructure.Attachments;

/// <summary>Upload counters on /metrics: bytes accepted, and refusals by reason (what limits and type rules cost users).</summary>
public static class AttachmentMetrics
{
    private static readonly Counter BytesStored = Prometheus.Metrics.CreateCounter(
        "supportdesk_attachment_bytes_stored_total", "Bytes of accepted uploads on this instance (before deduplication).");
    private static readonly Counter Refused = Prometheus.Metrics.CreateCounter(
        "supportdesk_attachment_uploads_refused_total", "Upload requests refused, by reason: too_large, type, malformed, invalid.", "reason");

    public static void Stored(long bytes) => BytesStored.Inc(bytes);

    public static void Refusal(string reason) => Refused.WithLabels(reason).Inc();
}
