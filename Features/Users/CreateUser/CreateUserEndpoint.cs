using Mediator;
using Microsoft.AspNetCore.Http.HttpResults;

namespace SupportDesk.Features.Users.CreateUser;

public static class CreateUserEndpoint
{
    public static void MapCreateUser(this RouteGroupBuilder group) =>
        group.MapPost("/", HandleAsync)
            .WithName("CreateUser")
            .WithSummary("Create a user with any role, typically an agent or another admin (admin only).");

    private static async Task<Created<UserResponse>> HandleAsync(CreateUserRequest request, IMediator mediator, CancellationToken ct)
    {
        var user = await mediator.Send(new CreateUserCommand(
            request.Email, request.Password, request.FirstName, request.LastName, request.Role!.Value), ct);
        return TypedResults.Created($"/users/{user.Id}", user);
    }
}
