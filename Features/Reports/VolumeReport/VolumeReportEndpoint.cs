using System.Security.Claims;
using Mediator;
using Microsoft.AspNetCore.Http.HttpResults;
using SupportDesk.Infrastructure.Auth;

namespace SupportDesk.Features.Reports.VolumeReport;

public static class VolumeReportEndpoint
{
    public static void MapVolumeReport(this RouteGroupBuilder group) =>
        group.MapGet("/volume", HandleAsync)
            .WithName("VolumeReport")
            .Produces<string>(StatusCodes.Status200OK, "text/csv")
            .WithSummary("Tickets created, solved and in the backlog per UTC day of the period (agent or admin).");

    private static async Task<Results<Ok<VolumeResponse>, ContentHttpResult>> HandleAsync(
        [AsParameters] ReportRequest request, ClaimsPrincipal principal, IMediator mediator, CancellationToken ct)
    {
        var filter = ReportFilter.From(request, principal.ToCurrentUser());
        var report = await mediator.Send(new VolumeReportQuery(filter), ct);
        if (!filter.Csv)
            return TypedResults.Ok(report);
        return TypedResults.Text(Csv.Write(["day", "created", "solved", "backlog"],
            report.Days.Select(d => (IReadOnlyList<object?>)[d.Day.ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture), d.Created, d.Solved, d.Backlog])), "text/csv");
    }
}
