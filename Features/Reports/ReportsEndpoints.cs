using SupportDesk.Features.Reports.ResponseTimesReport;
using SupportDesk.Features.Reports.SlaComplianceReport;
using SupportDesk.Features.Reports.VolumeReport;
using SupportDesk.Infrastructure.Auth;

namespace SupportDesk.Features.Reports;

public static class ReportsEndpoints
{
    public static IEndpointRouteBuilder MapReports(this IEndpointRouteBuilder routes)
    {
        var group = routes.MapGroup("/reports").WithTags("Reports").RequireAuthorization(Policies.AgentOrAdmin);
        group.MapResponseTimesReport();
        group.MapSlaComplianceReport();
        group.MapVolumeReport();
        return routes;
    }
}
