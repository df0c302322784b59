using Mediator;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using SupportDesk.Infrastructure.Email;

namespace SupportDesk.Features.Email.PreviewEmailTemplate;

public static class PreviewEmailTemplateEndpoint
{
    public static void MapPreviewEmailTemplate(this RouteGroupBuilder group) =>
        group.MapPost("/{key}/preview", HandleAsync)
            .WithName("PreviewEmailTemplate")
            .WithSummary("Render the stored template, or a posted draft of any of its parts, against sample data (admin only). Saves nothing.");

    private static async Task<Ok<RenderedEmail>> HandleAsync(
        string key, [FromBody] PreviewEmailTemplateRequest? request, IMediator mediator, CancellationToken ct)
    {
        var query = new PreviewEmailTemplateQuery(key, request?.Subject, request?.HtmlBody, request?.TextBody);
        return TypedResults.Ok(await mediator.Send(query, ct));
    }
}
