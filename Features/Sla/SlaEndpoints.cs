using SupportDesk.Features.Sla.CreateSchedule;
using SupportDesk.Features.Sla.CreateSlaPolicy;
using SupportDesk.Features.Sla.DeleteSlaPolicy;
using SupportDesk.Features.Sla.GetSlaPolicy;
using SupportDesk.Features.Sla.ListSlaPolicies;
using SupportDesk.Features.Sla.UpdateSlaPolicy;
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

        var readPolicies = routes.MapGroup("/sla-policies").WithTags("SLA").RequireAuthorization(Policies.AgentOrAdmin);
        readPolicies.MapListSlaPolicies();
        readPolicies.MapGetSlaPolicy();
        var writePolicies = routes.MapGroup("/sla-policies").WithTags("SLA").RequireAuthorization(Policies.Admin);
        writePolicies.MapCreateSlaPolicy();
        writePolicies.MapUpdateSlaPolicy();
        writePolicies.MapDeleteSlaPolicy();
        return routes;
    }
}
