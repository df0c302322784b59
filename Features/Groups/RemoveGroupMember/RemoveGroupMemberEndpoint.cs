using Dapper;
using Mediator;
using Microsoft.AspNetCore.Http.HttpResults;
using Npgsql;
using SupportDesk.Infrastructure.Errors;

namespace SupportDesk.Features.Groups.RemoveGroupMember;

public sealed record RemoveGroupMemberCommand(Guid GroupId, Guid UserId) : ICommand;

public sealed class RemoveGroupMemberHandler(NpgsqlDataSource dataSource) : ICommandHandler<RemoveGroupMemberCommand>
{
    private const string Sql = "DELETE FROM group_members WHERE group_id = @GroupId AND user_id = @UserId";

    public async ValueTask<Unit> Handle(RemoveGroupMemberCommand command, CancellationToken ct)
    {
        await using var connection = await dataSource.OpenConnectionAsync(ct);
        var removed = await connection.ExecuteAsync(new CommandDefinition(Sql, command, cancellationToken: ct));
        return removed == 1 ? Unit.Value : throw new NotFoundException("This user is not a member of this group.");
    }
}

public static class RemoveGroupMemberEndpoint
{
    public static void MapRemoveGroupMember(this RouteGroupBuilder group) =>
        group.MapDelete("/{id:guid}/members/{userId:guid}", HandleAsync)
            .WithName("RemoveGroupMember")
            .WithSummary("Take a member out of the group (admin only).");

    private static async Task<NoContent> HandleAsync(Guid id, Guid userId, IMediator mediator, CancellationToken ct)
    {
        await mediator.Send(new RemoveGroupMemberCommand(id, userId), ct);
        return TypedResults.NoContent();
    }
}
