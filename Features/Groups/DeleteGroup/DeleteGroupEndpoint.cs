using Dapper;
using Mediator;
using Microsoft.AspNetCore.Http.HttpResults;
using Npgsql;
using SupportDesk.Infrastructure.Auth;
using SupportDesk.Infrastructure.Database;
using SupportDesk.Infrastructure.Errors;
using SupportDesk.Infrastructure.OpenApi;

namespace SupportDesk.Features.Groups.DeleteGroup;

public sealed record DeleteGroupCommand(Guid Id, Guid ActorId) : ICommand;

public sealed class DeleteGroupHandler(NpgsqlDataSource dataSource) : ICommandHandler<DeleteGroupCommand>
{
    // The group's tickets leave it visibly: a new version (so an old ETag no longer matches) and a history row each.
    // Locking the group first makes a concurrent "file this ticket in the group" wait and then fail cleanly.
    private const string Sql = """
        WITH target AS (
            SELECT id FROM groups WHERE id = @Id FOR UPDATE
        ), cleared AS (
            UPDATE tickets t SET group_id = NULL, version = t.version + 1
            FROM target WHERE t.group_id = target.id
            RETURNING t.id
        ), history AS (
            INSERT INTO ticket_history (id, ticket_id, actor_id, action, field, old_value, new_value, is_private, created_at)
            SELECT gen_random_uuid(), cleared.id, @ActorId, 'updated', 'group_id', @Id::text, NULL, false, now() FROM cleared
        )
        DELETE FROM groups g USING target WHERE g.id = target.id
        """;

    private const string RulesSql = "SELECT name FROM routing_rules WHERE set_group_id = @Id ORDER BY position, id";

    public async ValueTask<Unit> Handle(DeleteGroupCommand command, CancellationToken ct)
    {
        await using var connection = await dataSource.OpenConnectionAsync(ct);
        try
        {
            var deleted = await connection.ExecuteAsync(new CommandDefinition(Sql, command, cancellationToken: ct));
            return deleted == 1 ? Unit.Value : throw new NotFoundException("Group not found.");
        }
        catch (PostgresException e) when (e.SqlState == PostgresErrors.ForeignKeyViolation && e.ConstraintName == RoutingRulesConstraint)
        {
            // The one statement failed as a whole: no ticket left the group.
            var rules = await connection.QueryAsync<string>(new CommandDefinition(RulesSql, command, cancellationToken: ct));
            throw new ConflictException($"Routing rules send tickets to this group; change or delete them first: {string.Join(", ", rules)}.");
        }
    }

    private const string RoutingRulesConstraint = "fk_routing_rules_group";
}

public static class DeleteGroupEndpoint
{
    public static void MapDeleteGroup(this RouteGroupBuilder group) =>
        group.MapDelete("/{id:guid}", HandleAsync)
            .WithName("DeleteGroup")
            .ProducesProblems(StatusCodes.Status409Conflict) // routing rules send tickets to it
            .WithSummary("Delete a group (admin only): its tickets stay, without a group (a history row each); its memberships go. 409 while routing rules send tickets to it.");

    private static async Task<NoContent> HandleAsync(Guid id, System.Security.Claims.ClaimsPrincipal principal, IMediator mediator, CancellationToken ct)
    {
        await mediator.Send(new DeleteGroupCommand(id, principal.ToCurrentUser().Id), ct);
        return TypedResults.NoContent();
    }
}
