using System.Security.Claims;
using Dapper;
using FluentValidation;
using Mediator;
using Microsoft.AspNetCore.Http.HttpResults;
using Npgsql;
using SupportDesk.Infrastructure.Auth;
using SupportDesk.Infrastructure.Errors;

namespace SupportDesk.Features.Users.SetAvailability;

/// <summary>Whether an agent takes new tickets from their groups' automatic assignment.</summary>
public enum AgentAvailability
{
    Online,
    Away,
}

public sealed record SetAvailabilityRequest(AgentAvailability? Availability = null);

public sealed class SetAvailabilityValidator : AbstractValidator<SetAvailabilityRequest>
{
    public SetAvailabilityValidator() => RuleFor(r => r.Availability).NotNull();
}

public sealed record SetAvailabilityCommand(Guid UserId, AgentAvailability Availability) : ICommand<UserResponse>;

public sealed class SetAvailabilityHandler(NpgsqlDataSource dataSource) : ICommandHandler<SetAvailabilityCommand, UserResponse>
{
    private const string Sql = $"""
        UPDATE users SET availability = @Availability WHERE id = @UserId AND role IN ('agent', 'admin')
        RETURNING {UserResponse.Columns}
        """;

    public async ValueTask<UserResponse> Handle(SetAvailabilityCommand command, CancellationToken ct)
    {
        await using var connection = await dataSource.OpenConnectionAsync(ct);
        return await connection.QuerySingleOrDefaultAsync<UserResponse>(new CommandDefinition(Sql,
                   new { command.UserId, Availability = command.Availability == AgentAvailability.Away ? "away" : "online" }, cancellationToken: ct))
               ?? throw new NotFoundException("User not found.");
    }
}

public static class SetAvailabilityEndpoint
{
    public static void MapSetAvailability(this RouteGroupBuilder group) =>
        group.MapPut("/availability", HandleAsync)
            .WithName("SetAvailability")
            .WithSummary("Set your availability (agent or admin): online takes tickets from your groups' automatic assignment, away does not.");

    private static async Task<Ok<UserResponse>> HandleAsync(SetAvailabilityRequest request, ClaimsPrincipal principal, IMediator mediator, CancellationToken ct) =>
        TypedResults.Ok(await mediator.Send(new SetAvailabilityCommand(principal.ToCurrentUser().Id, request.Availability!.Value), ct));
}
