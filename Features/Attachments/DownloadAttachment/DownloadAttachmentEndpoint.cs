using System.Security.Claims;
using Mediator;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Net.Http.Headers;
using SupportDesk.Infrastructure.Attachments;
using SupportDesk.Infrastructure.Auth;
using SupportDesk.Infrastructure.Errors;

namespace SupportDesk.Features.Attachments.DownloadAttachment;

public static class DownloadAttachmentEndpoint
{
    public static void MapDownloadAttachment(this RouteGroupBuilder group) =>
        group.MapGet("/attachments/{id:guid}", HandleAsync)
            .WithName("DownloadAttachment")
            // The content type is the detected one (image/png, application/pdf, …); the document says "bytes".
            .Produces<Stream>(StatusCodes.Status200OK, "application/octet-stream")
            .Produces<Stream>(StatusCodes.Status206PartialContent, "application/octet-stream")
            .Produces(StatusCodes.Status304NotModified)
            .WithSummary("The file's bytes, as a download. Range requests and ETag revalidation work; inline=true renders raster images and PDF only.");

    private static async Task<FileStreamHttpResult> HandleAsync(
        Guid id, HttpContext http, ClaimsPrincipal principal, IMediator mediator, IAttachmentStore store, CancellationToken ct, bool? inline = null)
    {
        var attachment = await mediator.Send(new DownloadAttachmentQuery(principal.ToCurrentUser(), id), ct);
        var content = store.OpenRead(attachment.Sha256) ?? throw new NotFoundException("Attachment not found.");

        // Never rendered as anything but the type we detected, and never able to run script if it is rendered.
        var headers = http.Response.Headers;
        headers[HeaderNames.XContentTypeOptions] = "nosniff";
        headers[HeaderNames.ContentSecurityPolicy] = "sandbox; default-src 'none'";
        headers[HeaderNames.CacheControl] = "private, no-cache";
        var disposition = new ContentDispositionHeaderValue(
            inline == true && FileSignatures.IsSafeInline(attachment.ContentType) ? "inline" : "attachment");
        disposition.SetHttpFileName(attachment.FileName);
        headers[HeaderNames.ContentDisposition] = disposition.ToString();

        return TypedResults.File(content, attachment.ContentType, lastModified: attachment.CreatedAt,
            entityTag: new EntityTagHeaderValue($"\"{attachment.Sha256}\""), enableRangeProcessing: true);
    }
}
