using System.Security.Claims;
using Mediator;
using Microsoft.AspNetCore.Http.HttpResults;
using SupportDesk.Infrastructure.Auth;

namespace SupportDesk.Features.Users.UpdateUser;

public static class UpdateUserEndpoint
{
    public static void MapUpdateUser(this RouteGroupBuilder group) =>
        group.MapPatch("/{id:guid}", HandleAsync)
            .WithName("UpdateUser")
            .WithSummary("Change a user's role, active flag, name, restriction to their groups or capacity (max_open_tickets) (admin only). Role changes and deactivation retire the user's tokens.");

    private static async Task<Ok<UserResponse>> HandleAsync(
        Guid id, UpdateUserRequest request, ClaimsPrincipal user, IMediator mediator, CancellationToken ct)
    {
        var command = new UpdateUserCommand(user.ToCurrentUser(), id, request.Role, request.IsActive, request.FirstName, request.LastName, request.RestrictedToGroups, request.MaxOpenTickets);
        return TypedResults.Ok(await mediator.Send(command, ct));
    }
}
