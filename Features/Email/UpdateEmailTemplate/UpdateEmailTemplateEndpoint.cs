using Mediator;
using Microsoft.AspNetCore.Http.HttpResults;

namespace SupportDesk.Features.Email.UpdateEmailTemplate;

public static class UpdateEmailTemplateEndpoint
{
    public static void MapUpdateEmailTemplate(this RouteGroupBuilder group) =>
        group.MapPut("/{key}", HandleAsync)
            .WithName("UpdateEmailTemplate")
            .WithSummary("Replace an email template's subject, bodies and active flag (admin only). Invalid Liquid is refused with 400 and never saved.");

    private static async Task<Ok<EmailTemplateResponse>> HandleAsync(
        string key, UpdateEmailTemplateRequest request, IMediator mediator, CancellationToken ct)
    {
        var command = new UpdateEmailTemplateCommand(key, request.Subject, request.HtmlBody, request.TextBody, request.IsActive!.Value);
        return TypedResults.Ok(await mediator.Send(command, ct));
    }
}
