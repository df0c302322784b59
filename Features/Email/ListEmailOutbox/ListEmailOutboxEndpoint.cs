using Mediator;
using Microsoft.AspNetCore.Http.HttpResults;
using SupportDesk.Infrastructure.Http;

namespace SupportDesk.Features.Email.ListEmailOutbox;

public static class ListEmailOutboxEndpoint
{
    public static void MapListEmailOutbox(this RouteGroupBuilder group) =>
        group.MapGet("/", HandleAsync)
            .WithName("ListEmailOutbox")
            .WithSummary("List outgoing emails, newest first, optionally by status or ticket (admin only). Bodies are not shown.");

    private static async Task<Ok<PagedResponse<OutboxEmailResponse>>> HandleAsync(
        [AsParameters] ListEmailOutboxRequest request, IMediator mediator, CancellationToken ct)
    {
        var query = new ListEmailOutboxQuery(request.Status, request.TicketId, request.Limit ?? Paging.DefaultLimit, request.Offset ?? 0);
        return TypedResults.Ok(await mediator.Send(query, ct));
    }
}
