using Mediator;
using Microsoft.AspNetCore.Http.HttpResults;

namespace SupportDesk.Features.Email.ListEmailTemplates;

public static class ListEmailTemplatesEndpoint
{
    public static void MapListEmailTemplates(this RouteGroupBuilder group) =>
        group.MapGet("/", HandleAsync)
            .WithName("ListEmailTemplates")
            .WithSummary("List every email template, by key (admin only).");

    private static async Task<Ok<IReadOnlyList<EmailTemplateResponse>>> HandleAsync(IMediator mediator, CancellationToken ct) =>
        TypedResults.Ok(await mediator.Send(new ListEmailTemplatesQuery(), ct));
}
