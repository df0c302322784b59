using SupportDesk.Features.Sla.CreateSchedule;
using SupportDesk.Features.Sla.DeleteSchedule;
using SupportDesk.Features.Sla.GetSchedule;
using SupportDesk.Features.Sla.ListSchedules;
using SupportDesk.Features.Sla.UpdateSchedule;
using SupportDesk.Infrastructure.Auth;

namespace SupportDesk.Features.Sla;

public static class SlaEndpoints
{
    public static IEndpointRouteBuilder MapSla(this IEndpointRouteBuilder routes)
    {
        // Staff read the rules their queue runs on; admins change them.
        var readSchedules = routes.MapGroup("/schedules").WithTags("SLA").RequireAuthorization(Policies.AgentOrAdmin);
        readSchedules.MapListSchedules();
        readSchedules.MapGetSchedule();
        var writeSchedules = routes.MapGroup("/schedules").WithTags("SLA").RequireAuthorization(Policies.Admin);
        writeSchedules.MapCreateSchedule();
        writeSchedules.MapUpdateSchedule();
        writeSchedules.MapDeleteSchedule();
        return routes;
    }
}
