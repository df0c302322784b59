using System.Security.Claims;
using Mediator;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.WebUtilities;
using Microsoft.Net.Http.Headers;
using SupportDesk.Infrastructure.Auth;
using SupportDesk.Infrastructure.Configuration;
using SupportDesk.Infrastructure.Errors;
using SupportDesk.Infrastructure.OpenApi;

namespace SupportDesk.Features.Attachments.UploadAttachments;

/// <summary>The multipart body as the OpenAPI document describes it (the endpoint reads the stream itself).</summary>
public sealed class AttachmentUploadForm
{
    /// <summary>One or more files (form field "files").</summary>
    public required IFormFileCollection Files { get; init; }
}

public static class UploadAttachmentsEndpoint
{
    // Part headers and boundaries on top of the files themselves.
    private const long MultipartOverhead = 64 * 1024;

    public static void MapUploadAttachments(this RouteGroupBuilder group)
    {
        group.MapPost("/tickets/{id:guid}/attachments", ToTicketAsync)
            .WithName("UploadAttachments")
            .AsFileUpload()
            .ProducesProblems(StatusCodes.Status403Forbidden) // a colleague of the requester whose organization shares it for reading only
            .WithSummary("Upload files to a ticket (multipart/form-data). They wait for a comment to carry them (attachment_ids) and expire otherwise.");
        group.MapPost("/attachments", BeforeTicketAsync)
            .WithName("UploadAttachmentsForNewTicket")
            .AsFileUpload()
            .WithSummary("Upload files for a ticket you are about to open (attachment_ids in POST /tickets). Only you see them until then; they expire otherwise.");
    }

    private static RouteHandlerBuilder AsFileUpload(this RouteHandlerBuilder route) => route
        .Accepts<AttachmentUploadForm>("multipart/form-data")
        .ProducesProblems(StatusCodes.Status413PayloadTooLarge, StatusCodes.Status415UnsupportedMediaType, StatusCodes.Status422UnprocessableEntity)
        // Streamed: no form binding, so no antiforgery token to check; the bearer token is the credential.
        .DisableAntiforgery();

    private static async Task<Created<IReadOnlyList<AttachmentResponse>>> ToTicketAsync(
        Guid id, HttpContext http, ClaimsPrincipal principal, AppSettings settings, IMediator mediator, CancellationToken ct) =>
        TypedResults.Created($"/tickets/{id}/attachments", await UploadAsync(id, http, principal, settings, mediator, ct));

    private static async Task<Created<IReadOnlyList<AttachmentResponse>>> BeforeTicketAsync(
        HttpContext http, ClaimsPrincipal principal, AppSettings settings, IMediator mediator, CancellationToken ct)
    {
        var attachments = await UploadAsync(null, http, principal, settings, mediator, ct);
        return TypedResults.Created($"/attachments/{attachments[0].Id}", attachments);
    }

    private static async Task<IReadOnlyList<AttachmentResponse>> UploadAsync(
        Guid? ticketId, HttpContext http, ClaimsPrincipal principal, AppSettings settings, IMediator mediator, CancellationToken ct)
    {
        var limits = settings.Attachments;
        // This route only: the files' own limit instead of the 1 MB that holds for JSON bodies.
        if (http.Features.Get<IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } bodySize)
            bodySize.MaxRequestBodySize = limits.MaxRequestBytes + MultipartOverhead;

        if (!MediaTypeHeaderValue.TryParse(http.Request.ContentType, out var mediaType)
            || !mediaType.MediaType.Equals("multipart/form-data", StringComparison.OrdinalIgnoreCase))
            throw new UnsupportedMediaTypeException("body", "Send the files as multipart/form-data.");
        var boundary = HeaderUtilities.RemoveQuotes(mediaType.Boundary).Value;
        if (string.IsNullOrWhiteSpace(boundary) || boundary.Length > 70)
            throw new FieldValidationException("content-type", "multipart/form-data needs a boundary parameter of 1 to 70 characters.");

        // Part sizes are counted by the store, against the limits that name the file.
        var reader = new MultipartReader(boundary, http.Request.Body) { BodyLengthLimit = null };
        return await mediator.Send(new UploadAttachmentsCommand(principal.ToCurrentUser(), ticketId, reader), ct);
    }
}
