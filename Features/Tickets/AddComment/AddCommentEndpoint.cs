using System.Security.Claims;
using Mediator;
using Microsoft.AspNetCore.Http.HttpResults;
using SupportDesk.Infrastructure.Auth;
using SupportDesk.Infrastructure.OpenApi;

namespace SupportDesk.Features.Tickets.AddComment;

public static class AddCommentEndpoint
{
    public static void MapAddComment(this RouteGroupBuilder group) =>
        group.MapPost("/{id:guid}/comments", HandleAsync)
            .WithName("AddComment")
            .ProducesProblems(StatusCodes.Status403Forbidden) // a private comment from a customer
            .WithSummary("Add a public or private (staff-only) comment, optionally carrying the caller's uploads to the ticket (attachment_ids).");

    private static async Task<Created<CommentResponse>> HandleAsync(
        Guid id, AddCommentRequest request, ClaimsPrincipal principal, IMediator mediator, CancellationToken ct)
    {
        var comment = await mediator.Send(
            new AddCommentCommand(principal.ToCurrentUser(), id, request.Content, request.CommentType ?? CommentType.Public, request.AttachmentIds ?? []), ct);
        return TypedResults.Created($"/tickets/{id}/comments/{comment.Id}", comment);
    }
}
