using System.Security.Claims;
using Mediator;
using Microsoft.AspNetCore.Http.HttpResults;
using SupportDesk.Infrastructure.Auth;
using SupportDesk.Infrastructure.Http;

namespace SupportDesk.Features.Tickets.ListTickets;

public static class ListTicketsEndpoint
{
    public static void MapListTickets(this RouteGroupBuilder group) =>
        group.MapGet("/", HandleAsync)
            .WithName("ListTickets")
            .WithSummary("List the tickets the caller may see, filtered, sorted and paged.");

    private static async Task<Ok<PagedResponse<TicketResponse>>> HandleAsync(
        [AsParameters] ListTicketsRequest request, ClaimsPrincipal principal, IMediator mediator, CancellationToken ct)
    {
        var user = principal.ToCurrentUser();
        var assignee = request.AssigneeId switch
        {
            null => AssigneeFilter.Any,
            "none" => AssigneeFilter.None,
            "me" => AssigneeFilter.Is(user.Id),
            var raw => AssigneeFilter.Is(Guid.Parse(raw)),
        };
        var query = new ListTicketsQuery(
            user,
            ListTicketsRequest.SplitList(request.Status),
            ListTicketsRequest.SplitList(request.Priority),
            request.Category,
            request.Tag?.Trim().ToLowerInvariant(),
            assignee,
            request.RequesterId,
            request.CreatedAfter?.UtcDateTime,
            request.CreatedBefore?.UtcDateTime,
            request.Sort ?? "created_at",
            request.Order ?? "desc",
            request.Limit ?? Paging.DefaultLimit,
            request.Offset ?? 0,
            request.Q,
            request.GroupId is null or "none" ? null : Guid.Parse(request.GroupId),
            request.GroupId == "none");
        return TypedResults.Ok(await mediator.Send(query, ct));
    }
}
