using Dapper;
using Mediator;
using Microsoft.AspNetCore.Http.HttpResults;
using Npgsql;
using SupportDesk.Infrastructure.Errors;

namespace SupportDesk.Features.RoutingRules.DeleteRoutingRule;

public sealed record DeleteRoutingRuleCommand(Guid Id) : ICommand;

public sealed class DeleteRoutingRuleHandler(NpgsqlDataSource dataSource) : ICommandHandler<DeleteRoutingRuleCommand>
{
    private const string Sql = "DELETE FROM routing_rules WHERE id = @Id";

    public async ValueTask<Unit> Handle(DeleteRoutingRuleCommand command, CancellationToken ct)
    {
        await using var connection = await dataSource.OpenConnectionAsync(ct);
        var deleted = await connection.ExecuteAsync(new CommandDefinition(Sql, command, cancellationToken: ct));
        return deleted == 1 ? Unit.Value : throw new NotFoundException("Routing rule not found.");
    }
}

public static class DeleteRoutingRuleEndpoint
{
    public static void MapDeleteRoutingRule(this RouteGroupBuilder group) =>
        group.MapDelete("/{id:guid}", HandleAsync)
            .WithName("DeleteRoutingRule")
            .WithSummary("Delete a routing rule (admin only).");

    private static async Task<NoContent> HandleAsync(Guid id, IMediator mediator, CancellationToken ct)
    {
        await mediator.Send(new DeleteRoutingRuleCommand(id), ct);
        return TypedResults.NoContent();
    }
}
