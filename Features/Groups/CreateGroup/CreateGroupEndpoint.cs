using Dapper;
using FluentValidation;
using Mediator;
using Microsoft.AspNetCore.Http.HttpResults;
using Npgsql;
using SupportDesk.Infrastructure.Database;
using SupportDesk.Infrastructure.Errors;
using SupportDesk.Infrastructure.OpenApi;

namespace SupportDesk.Features.Groups.CreateGroup;

public sealed record CreateGroupRequest(string Name = "", string? Description = null, AssignmentMode? AssignmentMode = null);

public sealed class CreateGroupValidator : AbstractValidator<CreateGroupRequest>
{
    public CreateGroupValidator()
    {
        RuleFor(r => r.Name).ValidGroupName();
        RuleFor(r => r.Description).ValidGroupDescription();
    }
}

public sealed record CreateGroupCommand(string Name, string Description, AssignmentMode AssignmentMode) : ICommand<GroupResponse>;

public sealed class CreateGroupHandler(NpgsqlDataSource dataSource) : ICommandHandler<CreateGroupCommand, GroupResponse>
{
    private const string Sql = $"""
        INSERT INTO groups AS g (id, name, description, assignment_mode) VALUES (@Id, @Name, @Description, @AssignmentMode)
        RETURNING {GroupResponse.Columns}
        """;

    public async ValueTask<GroupResponse> Handle(CreateGroupCommand command, CancellationToken ct)
    {
        await using var connection = await dataSource.OpenConnectionAsync(ct);
        try
        {
            return await connection.QuerySingleAsync<GroupResponse>(new CommandDefinition(Sql,
                new { Id = Guid.CreateVersion7(), Name = command.Name.Trim(), command.Description, AssignmentMode = command.AssignmentMode.ToDb() }, cancellationToken: ct));
        }
        catch (PostgresException e) when (e.SqlState == PostgresErrors.UniqueViolation && e.ConstraintName == GroupRules.NameIndex)
        {
            throw new ConflictException("A group with this name exists already.");
        }
    }
}

public static class CreateGroupEndpoint
{
    public static void MapCreateGroup(this RouteGroupBuilder group) =>
        group.MapPost("/", HandleAsync)
            .WithName("CreateGroup")
            .ProducesProblems(StatusCodes.Status409Conflict) // the name is taken (case-insensitively)
            .WithSummary("Create a group (admin only). Names are unique, case-insensitively; assignment_mode: manual (default), round_robin or least_open.");

    private static async Task<Created<GroupResponse>> HandleAsync(CreateGroupRequest request, IMediator mediator, CancellationToken ct)
    {
        var created = await mediator.Send(new CreateGroupCommand(request.Name, request.Description ?? "", request.AssignmentMode ?? AssignmentMode.Manual), ct);
        return TypedResults.Created($"/groups/{created.Id}", created);
    }
}
