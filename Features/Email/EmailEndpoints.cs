using SupportDesk.Features.Email.GetEmailTemplate;
using SupportDesk.Features.Email.ListEmailOutbox;
using SupportDesk.Features.Email.ListEmailTemplates;
using SupportDesk.Features.Email.PreviewEmailTemplate;
using SupportDesk.Features.Email.RetryEmail;
using SupportDesk.Features.Email.UpdateEmailTemplate;
using SupportDesk.Infrastructure.Auth;

namespace SupportDesk.Features.Email;

public static class EmailEndpoints
{
    /// <summary>The admin side of email: templates and the outbox.</summary>
    public static IEndpointRouteBuilder MapEmailAdmin(this IEndpointRouteBuilder routes)
    {
        var templates = routes.MapGroup("/email-templates")
            .WithTags("Email")
            .RequireAuthorization(Policies.Admin);
        templates.MapListEmailTemplates();
        templates.MapGetEmailTemplate();
        templates.MapUpdateEmailTemplate();
        templates.MapPreviewEmailTemplate();

        var outbox = routes.MapGroup("/email-outbox")
            .WithTags("Email")
            .RequireAuthorization(Policies.Admin);
        outbox.MapListEmailOutbox();
        outbox.MapRetryEmail();
        return routes;
    }
}
