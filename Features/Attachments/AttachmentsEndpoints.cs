using SupportDesk.Features.Attachments.DownloadAttachment;
using SupportDesk.Features.Attachments.ListAttachments;
using SupportDesk.Features.Attachments.RemoveAttachment;
using SupportDesk.Features.Attachments.UploadAttachments;
using SupportDesk.Infrastructure.Auth;

namespace SupportDesk.Features.Attachments;

public static class AttachmentsEndpoints
{
    public static IEndpointRouteBuilder MapAttachments(this IEndpointRouteBuilder routes)
    {
        var group = routes.MapGroup("")
            .WithTags("Attachments")
            .RequireAuthorization(Policies.Authenticated);

        group.MapUploadAttachments();
        group.MapListAttachments();
        group.MapDownloadAttachment();
        group.MapRemoveAttachment();
        return routes;
    }
}
