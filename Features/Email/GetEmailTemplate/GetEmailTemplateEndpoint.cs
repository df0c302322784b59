using Mediator;
using Microsoft.AspNetCore.Http.HttpResults;

namespace SupportDesk.Features.Email.GetEmailTemplate;

public static class GetEmailTemplateEndpoint
{
    public static void MapGetEmailTemplate(this RouteGroupBuilder group) =>
        group.MapGet("/{key}", HandleAsync)
            .WithName("GetEmailTemplate")
            .WithSummary("Get one email template (admin only).");

    private static async Task<Ok<EmailTemplateResponse>> HandleAsync(string key, IMediator mediator, CancellationToken ct) =>
        TypedResults.Ok(await mediator.Send(new GetEmailTemplateQuery(key), ct));
}
