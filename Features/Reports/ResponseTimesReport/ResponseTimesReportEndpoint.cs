using System.Security.Claims;
using Mediator;
using Microsoft.AspNetCore.Http.HttpResults;
using SupportDesk.Infrastructure.Auth;

namespace SupportDesk.Features.Reports.ResponseTimesReport;

public static class ResponseTimesReportEndpoint
{
    public static void MapResponseTimesReport(this RouteGroupBuilder group) =>
        group.MapGet("/response-times", HandleAsync)
            .WithName("ResponseTimesReport")
            .Produces<string>(StatusCodes.Status200OK, "text/csv")
            .WithSummary("First-reply and resolution times (median, p90, mean in minutes; calendar and business hours) of the SLA targets fulfilled in the period (agent or admin).");

    private static async Task<Results<Ok<ResponseTimesResponse>, ContentHttpResult>> HandleAsync(
        [AsParameters] ReportRequest request, ClaimsPrincipal principal, IMediator mediator, CancellationToken ct)
    {
        var filter = ReportFilter.From(request, principal.ToCurrentUser());
        var report = await mediator.Send(new ResponseTimesReportQuery(filter), ct);
        if (!filter.Csv)
            return TypedResults.Ok(report);
        return TypedResults.Text(Csv.Write(
            ["target", "count", "calendar_median_minutes", "calendar_p90_minutes", "calendar_mean_minutes",
             "business_median_minutes", "business_p90_minutes", "business_mean_minutes"],
            report.Targets.Select(t => (IReadOnlyList<object?>)[t.Target, t.Count, t.Calendar.MedianMinutes, t.Calendar.P90Minutes, t.Calendar.MeanMinutes,
                t.Business.MedianMinutes, t.Business.P90Minutes, t.Business.MeanMinutes])), "text/csv");
    }
}
