using Prometheus;

namespace SupportDesk.Infrastructure.Sla;

/// <summary>SLA figures on /metrics: tickets breached now (shared state, refreshed by each job run) and breaches as they happen.</summary>
public static class SlaMetrics
{
    private static readonly Gauge Breached = Prometheus.Metrics.CreateGauge(
        "supportdesk_sla_tickets_breached", "Tickets with an SLA target past due and not fulfilled (all instances).");
    private static readonly Counter Breaches = Prometheus.Metrics.CreateCounter(
        "supportdesk_sla_breaches_total", "SLA targets breached, marked by this instance, by target and priority.", "target", "priority");

    public static void SetBreachedTickets(long count) => Breached.Set(count);

    public static void Breach(string target, string priority) => Breaches.WithLabels(target, priority).Inc();
}
