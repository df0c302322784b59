using Mediator;
using Microsoft.AspNetCore.Http.HttpResults;

namespace SupportDesk.Features.Email.RetryEmail;

public static class RetryEmailEndpoint
{
    public static void MapRetryEmail(this RouteGroupBuilder group) =>
        group.MapPost("/{id:guid}/retry", HandleAsync)
            .WithName("RetryEmail")
            .WithSummary("Queue a failed email again, due now, with a fresh set of attempts (admin only). Other states are 409.");

    private static async Task<Ok<OutboxEmailResponse>> HandleAsync(Guid id, IMediator mediator, CancellationToken ct) =>
        TypedResults.Ok(await mediator.Send(new RetryEmailCommand(id), ct));
}
