using Mediator;
using Microsoft.AspNetCore.Http.HttpResults;
using SupportDesk.Infrastructure.Http;

namespace SupportDesk.Features.Inbound.ListInboundMessages;

public static class ListInboundMessagesEndpoint
{
    public static void MapListInboundMessages(this RouteGroupBuilder group) =>
        group.MapGet("/", HandleAsync)
            .WithName("ListInboundMessages")
            .WithSummary("List received mail, newest first, optionally by status (admin only): what became of each, and why.");

    private static async Task<Ok<PagedResponse<InboundMessageResponse>>> HandleAsync(
        [AsParameters] ListInboundMessagesRequest request, IMediator mediator, CancellationToken ct) =>
        TypedResults.Ok(await mediator.Send(new ListInboundMessagesQuery(request.Status, request.Limit ?? Paging.DefaultLimit, request.Offset ?? 0), ct));
}
