using System.Security.Claims;
using Mediator;
using Microsoft.AspNetCore.Http.HttpResults;
using SupportDesk.Infrastructure.Auth;

namespace SupportDesk.Features.Reports.SlaComplianceReport;

public static class SlaComplianceReportEndpoint
{
    public static void MapSlaComplianceReport(this RouteGroupBuilder group) =>
        group.MapGet("/sla-compliance", HandleAsync)
            .WithName("SlaComplianceReport")
            .Produces<string>(StatusCodes.Status200OK, "text/csv")
            .WithSummary("SLA compliance per target: cycles fulfilled in the period on time and late, the percentage on time, and breaches (agent or admin).");

    private static async Task<Results<Ok<SlaComplianceResponse>, ContentHttpResult>> HandleAsync(
        [AsParameters] ReportRequest request, ClaimsPrincipal principal, IMediator mediator, CancellationToken ct)
    {
        var filter = ReportFilter.From(request, principal.ToCurrentUser());
        var report = await mediator.Send(new SlaComplianceReportQuery(filter), ct);
        if (!filter.Csv)
            return TypedResults.Ok(report);
        return TypedResults.Text(Csv.Write(["target", "fulfilled", "met", "late", "breaches", "compliance_percent"],
            report.Targets.Select(t => (IReadOnlyList<object?>)[t.Target, t.Fulfilled, t.Met, t.Late, t.Breaches, t.CompliancePercent])), "text/csv");
    }
}
