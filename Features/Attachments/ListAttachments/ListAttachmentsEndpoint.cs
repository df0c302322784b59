using System.Security.Claims;
using Mediator;
using Microsoft.AspNetCore.Http.HttpResults;
using SupportDesk.Infrastructure.Auth;

namespace SupportDesk.Features.Attachments.ListAttachments;

public static class ListAttachmentsEndpoint
{
    public static void MapListAttachments(this RouteGroupBuilder group) =>
        group.MapGet("/tickets/{id:guid}/attachments", HandleAsync)
            .WithName("ListAttachments")
            .WithSummary("The ticket's files the caller may see: those on visible comments, and the caller's own uploads not yet on a comment.");

    private static async Task<Ok<IReadOnlyList<AttachmentResponse>>> HandleAsync(
        Guid id, ClaimsPrincipal principal, IMediator mediator, CancellationToken ct) =>
        TypedResults.Ok(await mediator.Send(new ListAttachmentsQuery(principal.ToCurrentUser(), id), ct));
}
