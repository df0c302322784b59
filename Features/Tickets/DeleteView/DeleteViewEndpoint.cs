using System.Security.Claims;
using Dapper;
using Mediator;
using Microsoft.AspNetCore.Http.HttpResults;
using Npgsql;
using SupportDesk.Infrastructure.Auth;
using SupportDesk.Infrastructure.Errors;
using SupportDesk.Infrastructure.OpenApi;

namespace SupportDesk.Features.Tickets.DeleteView;

public sealed record DeleteViewCommand(CurrentUser Actor, Guid Id) : ICommand;

public sealed class DeleteViewHandler(NpgsqlDataSource dataSource) : ICommandHandler<DeleteViewCommand>
{
    private const string Sql = "DELETE FROM ticket_views WHERE id = @Id AND (owner_id = @UserId OR @IsAdmin)";

    public async ValueTask<Unit> Handle(DeleteViewCommand command, CancellationToken ct)
    {
        await using var connection = await dataSource.OpenConnectionAsync(ct);
        if (await connection.ExecuteAsync(new CommandDefinition(Sql, new { command.Id, UserId = command.Actor.Id, command.Actor.IsAdmin }, cancellationToken: ct)) == 1)
            return Unit.Value;
        await TicketViews.LoadAsync(connection, command.Id, command.Actor, ct);
        throw new ForbiddenException("Only the view's owner or an admin deletes it.");
    }
}

public static class DeleteViewEndpoint
{
    public static void MapDeleteView(this RouteGroupBuilder group) =>
        group.MapDelete("/{id:guid}", HandleAsync)
            .WithName("DeleteView")
            .ProducesProblems(StatusCodes.Status403Forbidden)
            .WithSummary("Delete a view (its owner or an admin).");

    private static async Task<NoContent> HandleAsync(Guid id, ClaimsPrincipal principal, IMediator mediator, CancellationToken ct)
    {
        await mediator.Send(new DeleteViewCommand(principal.ToCurrentUser(), id), ct);
        return TypedResults.NoContent();
    }
}
