using Mediator;
using Microsoft.AspNetCore.Http.HttpResults;

namespace SupportDesk.Features.Inbound.RetryInboundMessage;

public static class RetryInboundMessageEndpoint
{
    public static void MapRetryInboundMessage(this RouteGroupBuilder group) =>
        group.MapPost("/{id:guid}/retry", HandleAsync)
            .WithName("RetryInboundMessage")
            .WithSummary("Process a failed or flagged mail again (admin only); the rules apply again (a flagged loop stays flagged). Other states are 409.");

    private static async Task<Ok<InboundMessageResponse>> HandleAsync(Guid id, IMediator mediator, CancellationToken ct) =>
        TypedResults.Ok(await mediator.Send(new RetryInboundMessageCommand(id), ct));
}
