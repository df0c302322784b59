using SupportDesk.Features.Tickets.AddComment;
using SupportDesk.Features.Tickets.AssignTicket;
using SupportDesk.Features.Tickets.CountViews;
using SupportDesk.Features.Tickets.DeleteView;
using SupportDesk.Features.Tickets.ListViews;
using SupportDesk.Features.Tickets.ListViewTickets;
using SupportDesk.Features.Tickets.SaveView;
using SupportDesk.Features.Tickets.CreateTicket;
using SupportDesk.Features.Tickets.DeleteTicket;
using SupportDesk.Features.Tickets.GetHistory;
using SupportDesk.Features.Tickets.GetTicket;
using SupportDesk.Features.Tickets.ListComments;
using SupportDesk.Features.Tickets.ListTickets;
using SupportDesk.Features.Tickets.ReleaseAssignments;
using SupportDesk.Features.Tickets.UpdateTicket;
using SupportDesk.Infrastructure.Auth;
using SupportDesk.Infrastructure.Database;

namespace SupportDesk.Features.Tickets;

public static class TicketsEndpoints
{
    public static IServiceCollection AddTickets(this IServiceCollection services) =>
        services.AddSingleton<TicketActivity>()
            .AddSingleton<IUserAccessNarrowed, ReleaseAssignmentsHandler>()
            .AddSingleton<TicketFieldsCache>()
            .AddSingleton<IChangeSubscriber>(sp => sp.GetRequiredService<TicketFieldsCache>());

    public static IEndpointRouteBuilder MapTickets(this IEndpointRouteBuilder routes)
    {
        var group = routes.MapGroup("/tickets")
            .WithTags("Tickets")
            .RequireAuthorization(Policies.Authenticated);

        group.MapCreateTicket();
        group.MapListTickets();
        group.MapGetTicket();
        group.MapUpdateTicket();
        group.MapDeleteTicket();
        group.MapAssignTicket();
        group.MapAddComment();
        group.MapListComments();
        group.MapGetHistory();

        // Saved views: staff queues over the list's filters.
        var views = routes.MapGroup("/views").WithTags("Views").RequireAuthorization(Policies.AgentOrAdmin);
        views.MapListViews();
        views.MapCountViews();
        views.MapSaveView();
        views.MapDeleteView();
        views.MapListViewTickets();
        return routes;
    }

    /// <summary>Answers with the ticket and its ETag header.</summary>
    internal static TicketResponse WithETag(this TicketResponse ticket, HttpContext http)
    {
        http.Response.Headers.ETag = ticket.ETag;
        return ticket;
    }
}
