using System.Security.Claims;
using System.Text.Json;
using Dapper;
using FluentValidation;
using Mediator;
using Microsoft.AspNetCore.Http.HttpResults;
using Npgsql;
using SupportDesk.Infrastructure.Auth;
using SupportDesk.Infrastructure.Errors;
using SupportDesk.Infrastructure.OpenApi;
using SupportDesk.Infrastructure.Validation;

namespace SupportDesk.Features.Tickets.SaveView;

/// <summary>A whole view (POST creates, PUT replaces): filters are GET /tickets query parameters as strings.</summary>
public sealed record SaveViewRequest(
    string Name = "",
    int? Position = null,
    [property: OpenApiEnum("personal", "groups", "everyone")] string? SharedWith = null,
    Guid[]? GroupIds = null,
    Dictionary<string, string>? Filters = null);

public sealed class SaveViewValidator : AbstractValidator<SaveViewRequest>
{
    public SaveViewValidator()
    {
        RuleFor(r => r.Name).ValidViewName().SingleLine();
        RuleFor(r => r.Position).InclusiveBetween(0, 1_000_000);
        RuleFor(r => r.SharedWith).Must(s => s is null or "personal" or "groups" or "everyone").WithMessage("'shared_with' must be personal, groups or everyone.");
        RuleFor(r => r.GroupIds).Must(g => g is null || g.Length <= 50).WithMessage("At most 50 groups.");
        RuleFor(r => r).Must(r => r.SharedWith != "groups" || r.GroupIds is { Length: > 0 }).OverridePropertyName("group_ids")
            .WithMessage("A view shared with groups names at least one group.");
        RuleFor(r => r.Filters).Must(f => f is null || f.Count <= 20).WithMessage("At most 20 filters.")
            .Must(f => f is null || f.All(p => p.Value is not null && p.Value.Length <= 500 && !p.Value.Contains('\0') && !p.Key.Contains('\0')))
            .WithMessage("Each filter is a string of at most 500 characters.");
    }
}

public sealed record SaveViewCommand(CurrentUser Actor, Guid? Id, SaveViewRequest View) : ICommand<ViewResponse>;

public sealed class SaveViewHandler(NpgsqlDataSource dataSource) : ICommandHandler<SaveViewCommand, ViewResponse>
{
    private const string InsertSql = $"""
        INSERT INTO ticket_views AS v (id, owner_id, name, position, shared_with, group_ids, filters)
        VALUES (@Id, @OwnerId, @Name, @Position, @SharedWith, @GroupIds, @Filters::jsonb)
        RETURNING {ViewResponse.Columns}
        """;

    // The owner, or an admin, changes a view; anyone else it is shared with only uses it.
    private const string UpdateSql = $"""
        UPDATE ticket_views AS v SET name = @Name, position = @Position, shared_with = @SharedWith, group_ids = @GroupIds, filters = @Filters::jsonb
        WHERE v.id = @Id AND (v.owner_id = @OwnerId OR @IsAdmin)
        RETURNING {ViewResponse.Columns}
        """;

    private const string GroupsSql = "SELECT count(*) FROM groups WHERE id = ANY(@Ids)";

    public async ValueTask<ViewResponse> Handle(SaveViewCommand command, CancellationToken ct)
    {
        var view = command.View;
        var filters = view.Filters ?? [];
        var (_, errors) = TicketViews.Read(filters);
        if (errors.Count > 0)
            throw new MessageValidationException(errors);
        var groupIds = view.GroupIds?.Distinct().ToArray() ?? [];
        await using var connection = await dataSource.OpenConnectionAsync(ct);
        // The custom fields and the group it filters on must exist now, as the saver sees them.
        (_, errors) = TicketViews.Resolve(filters, await TicketViews.CatalogAsync(connection, ct), command.Actor);
        if (errors.Count > 0)
            throw new MessageValidationException(errors);
        if (groupIds.Length > 0 && await connection.ExecuteScalarAsync<long>(new CommandDefinition(GroupsSql, new { Ids = groupIds }, cancellationToken: ct)) != groupIds.Length)
            throw new FieldValidationException("group_ids", "No group has one of these ids.");
        var parameters = new
        {
            Id = command.Id ?? Guid.CreateVersion7(),
            OwnerId = command.Actor.Id,
            command.Actor.IsAdmin,
            Name = view.Name.Trim(),
            Position = view.Position ?? 0,
            SharedWith = view.SharedWith ?? "personal",
            GroupIds = groupIds,
            Filters = JsonSerializer.Serialize(filters),
        };
        if (command.Id is null)
            return await connection.QuerySingleAsync<ViewResponse>(new CommandDefinition(InsertSql, parameters, cancellationToken: ct));
        // Someone it is shared with may see it but not change it: 403; anyone else: 404.
        var updated = await connection.QuerySingleOrDefaultAsync<ViewResponse>(new CommandDefinition(UpdateSql, parameters, cancellationToken: ct));
        if (updated is not null)
            return updated;
        await TicketViews.LoadAsync(connection, command.Id.Value, command.Actor, ct);
        throw new ForbiddenException("Only the view's owner or an admin changes it.");
    }
}

public static class SaveViewEndpoint
{
    public static void MapSaveView(this RouteGroupBuilder group)
    {
        group.MapPost("/", CreateAsync)
            .WithName("CreateView")
            .WithSummary("Save a view: GET /tickets filters (validated by the list route's rules) with a name, a position and who shares it.");
        group.MapPut("/{id:guid}", ReplaceAsync)
            .WithName("ReplaceView")
            .ProducesProblems(StatusCodes.Status403Forbidden) // shared with the caller, not theirs
            .WithSummary("Replace a view (its owner or an admin).");
    }

    private static async Task<Created<ViewResponse>> CreateAsync(SaveViewRequest request, ClaimsPrincipal principal, IMediator mediator, CancellationToken ct)
    {
        var view = await mediator.Send(new SaveViewCommand(principal.ToCurrentUser(), null, request), ct);
        return TypedResults.Created($"/views/{view.Id}", view);
    }

    private static async Task<Ok<ViewResponse>> ReplaceAsync(Guid id, SaveViewRequest request, ClaimsPrincipal principal, IMediator mediator, CancellationToken ct) =>
        TypedResults.Ok(await mediator.Send(new SaveViewCommand(principal.ToCurrentUser(), id, request), ct));
}
