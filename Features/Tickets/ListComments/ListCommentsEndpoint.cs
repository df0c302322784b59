using System.Security.Claims;
using Mediator;
using Microsoft.AspNetCore.Http.HttpResults;
using SupportDesk.Infrastructure.Auth;
using SupportDesk.Infrastructure.Http;

namespace SupportDesk.Features.Tickets.ListComments;

public static class ListCommentsEndpoint
{
    public static void MapListComments(this RouteGroupBuilder group) =>
        group.MapGet("/{id:guid}/comments", HandleAsync)
            .WithName("ListComments")
            .WithSummary("The ticket's comments, oldest first. Customers see public comments only.");

    private static async Task<Ok<PagedResponse<CommentResponse>>> HandleAsync(
        Guid id, [AsParameters] PageRequest page, ClaimsPrincipal principal, IMediator mediator, CancellationToken ct) =>
        TypedResults.Ok(await mediator.Send(
            new ListCommentsQuery(principal.ToCurrentUser(), id, page.Limit ?? Paging.DefaultLimit, page.Offset ?? 0), ct));
}
