using Dapper;
using FluentValidation;
using Mediator;
using Microsoft.AspNetCore.Http.HttpResults;
using Npgsql;
using SupportDesk.Infrastructure.Database;
using SupportDesk.Infrastructure.Errors;
using SupportDesk.Infrastructure.OpenApi;

namespace SupportDesk.Features.Groups.UpdateGroup;

/// <summary>A partial update: absent fields stay as they are.</summary>
public sealed record UpdateGroupRequest(string? Name = null, string? Description = null, AssignmentMode? AssignmentMode = null);

public sealed class UpdateGroupValidator : AbstractValidator<UpdateGroupRequest>
{
    public UpdateGroupValidator()
    {
        RuleFor(r => r.Name!).ValidGroupName().When(r => r.Name is not null);
        RuleFor(r => r.Description).ValidGroupDescription();
        RuleFor(r => r).Must(r => r.Name is not null || r.Description is not null || r.AssignmentMode is not null)
            .OverridePropertyName("body").WithMessage("Give at least one of name, description, assignment_mode.");
    }
}

public sealed record UpdateGroupCommand(Guid Id, string? Name, string? Description, AssignmentMode? AssignmentMode) : ICommand<GroupResponse>;

public sealed class UpdateGroupHandler(NpgsqlDataSource dataSource) : ICommandHandler<UpdateGroupCommand, GroupResponse>
{
    private const string Sql = $"""
        UPDATE groups AS g SET name = COALESCE(@Name, g.name), description = COALESCE(@Description, g.description),
            assignment_mode = COALESCE(@AssignmentMode, g.assignment_mode)
        WHERE g.id = @Id
        RETURNING {GroupResponse.Columns}
        """;

    public async ValueTask<GroupResponse> Handle(UpdateGroupCommand command, CancellationToken ct)
    {
        await using var connection = await dataSource.OpenConnectionAsync(ct);
        try
        {
            return await connection.QuerySingleOrDefaultAsync<GroupResponse>(new CommandDefinition(Sql,
                       new { command.Id, Name = command.Name?.Trim(), command.Description, AssignmentMode = command.AssignmentMode?.ToDb() }, cancellationToken: ct))
                   ?? throw new NotFoundException("Group not found.");
        }
        catch (PostgresException e) when (e.SqlState == PostgresErrors.UniqueViolation && e.ConstraintName == GroupRules.NameIndex)
        {
            throw new ConflictException("A group with this name exists already.");
        }
    }
}

public static class UpdateGroupEndpoint
{
    public static void MapUpdateGroup(this RouteGroupBuilder group) =>
        group.MapPatch("/{id:guid}", HandleAsync)
            .WithName("UpdateGroup")
            .ProducesProblems(StatusCodes.Status409Conflict)
            .WithSummary("Rename a group, change its description or its assignment_mode (admin only).");

    private static async Task<Ok<GroupResponse>> HandleAsync(Guid id, UpdateGroupRequest request, IMediator mediator, CancellationToken ct) =>
        TypedResults.Ok(await mediator.Send(new UpdateGroupCommand(id, request.Name, request.Description, request.AssignmentMode), ct));
}
