using System.Security.Claims;
using Mediator;
using Microsoft.AspNetCore.Http.HttpResults;
using SupportDesk.Infrastructure.Auth;
using SupportDesk.Infrastructure.OpenApi;

namespace SupportDesk.Features.Attachments.RemoveAttachment;

public static class RemoveAttachmentEndpoint
{
    public static void MapRemoveAttachment(this RouteGroupBuilder group) =>
        group.MapDelete("/attachments/{id:guid}", HandleAsync)
            .WithName("RemoveAttachment")
            .ProducesProblems(StatusCodes.Status403Forbidden) // a customer and a file on a comment
            .WithSummary("Remove a file: staff any they may see, a customer only their own upload no comment carries yet. A file on a comment leaves an attachment_removed history row.");

    private static async Task<NoContent> HandleAsync(Guid id, ClaimsPrincipal principal, IMediator mediator, CancellationToken ct)
    {
        await mediator.Send(new RemoveAttachmentCommand(principal.ToCurrentUser(), id), ct);
        return TypedResults.NoContent();
    }
}
