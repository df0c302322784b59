using Mediator;
using Microsoft.AspNetCore.Http.HttpResults;

namespace SupportDesk.Features.Inbound.GetInboundMessage;

public static class GetInboundMessageEndpoint
{
    public static void MapGetInboundMessage(this RouteGroupBuilder group) =>
        group.MapGet("/{id:guid}", HandleAsync)
            .WithName("GetInboundMessage")
            .WithSummary("One received mail with its whole decoded text (quoted history and signature included) and headers (admin only).");

    private static async Task<Ok<InboundMessageDetailResponse>> HandleAsync(Guid id, IMediator mediator, CancellationToken ct) =>
        TypedResults.Ok(await mediator.Send(new GetInboundMessageQuery(id), ct));
}
