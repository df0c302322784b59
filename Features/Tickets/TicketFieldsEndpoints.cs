using SupportDesk.Features.Tickets.CreateTicketField;
using SupportDesk.Features.Tickets.DeleteTicketField;
using SupportDesk.Features.Tickets.GetTicketField;
using SupportDesk.Features.Tickets.ListTicketFields;
using SupportDesk.Features.Tickets.UpdateTicketField;
using SupportDesk.Infrastructure.Auth;

namespace SupportDesk.Features.Tickets;

/// <summary>/ticket-fields: custom field definitions. Everyone signed in may read (customers what they can see); admins write.</summary>
public static class TicketFieldsEndpoints
{
    public static IEndpointRouteBuilder MapTicketFields(this IEndpointRouteBuilder routes)
    {
        var read = routes.MapGroup("/ticket-fields").WithTags("Ticket fields").RequireAuthorization(Policies.Authenticated);
        read.MapListTicketFields();
        read.MapGetTicketField();

        var write = routes.MapGroup("/ticket-fields").WithTags("Ticket fields").RequireAuthorization(Policies.Admin);
        write.MapCreateTicketField();
        write.MapUpdateTicketField();
        write.MapDeleteTicketField();
        return routes;
    }
}
