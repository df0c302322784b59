using Mediator;
using Microsoft.AspNetCore.Http.HttpResults;
using SupportDesk.Features.Users;
using SupportDesk.Infrastructure.OpenApi;

namespace SupportDesk.Features.Organizations.SetMember;

public static class SetMemberEndpoint
{
    public static void MapSetMember(this RouteGroupBuilder group)
    {
        group.MapPut("/{id:guid}/members/{userId:guid}", AddAsync)
            .ProducesProblems(StatusCodes.Status422UnprocessableEntity) // not a customer
            .WithName("AddOrganizationMember")
            .WithSummary("Put a customer into this organization, moving them out of any other (admin only). They see its shared tickets, and lose the old one's, at once.");
        group.MapDelete("/{id:guid}/members/{userId:guid}", RemoveAsync)
            .WithName("RemoveOrganizationMember")
            .WithSummary("Take a customer out of this organization (admin only); they lose sight of its shared tickets at once.");
    }

    private static async Task<Ok<UserResponse>> AddAsync(Guid id, Guid userId, IMediator mediator, CancellationToken ct) =>
        TypedResults.Ok(await mediator.Send(new SetMemberCommand(id, userId, Member: true), ct));

    private static async Task<NoContent> RemoveAsync(Guid id, Guid userId, IMediator mediator, CancellationToken ct)
    {
        await mediator.Send(new SetMemberCommand(id, userId, Member: false), ct);
        return TypedResults.NoContent();
    }
}
