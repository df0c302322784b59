using Dapper;
using Mediator;
using Microsoft.AspNetCore.Http.HttpResults;
using Npgsql;
using SupportDesk.Infrastructure.Errors;
using SupportDesk.Infrastructure.OpenApi;

namespace SupportDesk.Features.Groups.AddGroupMember;

public sealed record AddGroupMemberCommand(Guid GroupId, Guid UserId) : ICommand<GroupResponse>;

public sealed class AddGroupMemberHandler(NpgsqlDataSource dataSource) : ICommandHandler<AddGroupMemberCommand, GroupResponse>
{
    // FOR SHARE on both rows: a demotion of the user or a delete of the group in flight is waited for and then seen.
    private const string GroupSql = "SELECT EXISTS (SELECT 1 FROM groups WHERE id = @GroupId FOR SHARE)";
    private const string UserSql = "SELECT role FROM users WHERE id = @UserId FOR SHARE";

    private const string InsertSql = "INSERT INTO group_members (group_id, user_id) VALUES (@GroupId, @UserId) ON CONFLICT DO NOTHING";

    private const string ReadSql = $"SELECT {GroupResponse.Columns} FROM groups g WHERE g.id = @GroupId";

    public async ValueTask<GroupResponse> Handle(AddGroupMemberCommand command, CancellationToken ct)
    {
        await using var connection = await dataSource.OpenConnectionAsync(ct);
        await using var transaction = await connection.BeginTransactionAsync(ct);
        if (!await connection.ExecuteScalarAsync<bool>(new CommandDefinition(GroupSql, command, transaction, cancellationToken: ct)))
            throw new NotFoundException("Group not found.");
        var role = await connection.QuerySingleOrDefaultAsync<string>(new CommandDefinition(UserSql, command, transaction, cancellationToken: ct))
                   ?? throw new NotFoundException("User not found.");
        if (role is not ("agent" or "admin"))
            throw new UnprocessableException("user_id", "Only agents and admins can be members of a group.");
        await connection.ExecuteAsync(new CommandDefinition(InsertSql, command, transaction, cancellationToken: ct));
        var group = await connection.QuerySingleAsync<GroupResponse>(new CommandDefinition(ReadSql, command, transaction, cancellationToken: ct));
        await transaction.CommitAsync(ct);
        return group;
    }
}

public static class AddGroupMemberEndpoint
{
    public static void MapAddGroupMember(this RouteGroupBuilder group) =>
        group.MapPut("/{id:guid}/members/{userId:guid}", HandleAsync)
            .WithName("AddGroupMember")
            .ProducesProblems(StatusCodes.Status422UnprocessableEntity) // the user is a customer
            .WithSummary("Make an agent or admin a member of the group (admin only); idempotent. A customer is refused (422).");

    private static async Task<Ok<GroupResponse>> HandleAsync(Guid id, Guid userId, IMediator mediator, CancellationToken ct) =>
        TypedResults.Ok(await mediator.Send(new AddGroupMemberCommand(id, userId), ct));
}
