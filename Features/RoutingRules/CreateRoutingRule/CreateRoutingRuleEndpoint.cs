using Dapper;
using FluentValidation;
using Mediator;
using Microsoft.AspNetCore.Http.HttpResults;
using Npgsql;
using SupportDesk.Infrastructure.OpenApi;
using SupportDesk.Infrastructure.Validation;

namespace SupportDesk.Features.RoutingRules.CreateRoutingRule;

/// <summary>A new rule; without a position it goes last.</summary>
public sealed record CreateRoutingRuleRequest(
    string Name = "",
    int? Position = null,
    bool? IsActive = null,
    string? Category = null,
    string[]? TagsAny = null,
    string[]? Priorities = null,
    string? InboundAddress = null,
    Guid? SetGroupId = null,
    [property: OpenApiEnum("low", "medium", "high", "urgent")] string? SetPriority = null,
    string[]? AddTags = null);

public sealed class CreateRoutingRuleValidator : AbstractValidator<CreateRoutingRuleRequest>
{
    public CreateRoutingRuleValidator()
    {
        RuleFor(r => r.Name).ValidRuleName();
        RuleFor(r => r.Position).InclusiveBetween(0, 1_000_000);
        RuleFor(r => r.Category).MaximumLength(100).Must(c => c is null || c.Trim().Length > 0).WithMessage("'category' must not be blank.").SingleLine();
        RuleFor(r => r.TagsAny).ValidRuleTags();
        RuleFor(r => r.AddTags).ValidRuleTags();
        RuleFor(r => r.Priorities).ValidPriorities();
        RuleFor(r => r.SetPriority).Must(p => p is null || RoutingRuleRules.PriorityValues.Contains(p))
            .WithMessage($"'set_priority' must be one of: {string.Join(", ", RoutingRuleRules.PriorityValues)}.");
        RuleFor(r => r.InboundAddress).ValidInboundAddress();
        RuleFor(r => r.SetGroupId).NotEqual(Guid.Empty);
        RuleFor(r => r).Must(r => r.SetGroupId is not null || r.SetPriority is not null || r.AddTags is { Length: > 0 })
            .OverridePropertyName("body").WithMessage("A rule needs at least one action: set_group_id, set_priority or add_tags.");
    }
}

public sealed record CreateRoutingRuleCommand(CreateRoutingRuleRequest Rule) : ICommand<RoutingRuleResponse>;

public sealed class CreateRoutingRuleHandler(NpgsqlDataSource dataSource) : ICommandHandler<CreateRoutingRuleCommand, RoutingRuleResponse>
{
    private const string Sql = $"""
        INSERT INTO routing_rules AS r (id, name, position, is_active, category, tags_any, priorities, inbound_address, set_group_id, set_priority, add_tags)
        VALUES (@Id, @Name, COALESCE(@Position, (SELECT COALESCE(max(position) + 1, 0) FROM routing_rules)), @IsActive, @Category,
                @TagsAny, @Priorities, @InboundAddress, @SetGroupId, @SetPriority, @AddTags)
        RETURNING {RoutingRuleResponse.Columns}
        """;

    public async ValueTask<RoutingRuleResponse> Handle(CreateRoutingRuleCommand command, CancellationToken ct)
    {
        var rule = command.Rule;
        await using var connection = await dataSource.OpenConnectionAsync(ct);
        await using var transaction = await connection.BeginTransactionAsync(ct);
        await RoutingRuleRules.EnsureGroupAsync(connection, transaction, rule.SetGroupId, ct);
        var created = await connection.QuerySingleAsync<RoutingRuleResponse>(new CommandDefinition(Sql, new
        {
            Id = Guid.CreateVersion7(),
            Name = rule.Name.Trim(),
            rule.Position,
            IsActive = rule.IsActive ?? true,
            Category = rule.Category?.Trim(),
            TagsAny = RoutingRuleRules.Normalize(rule.TagsAny),
            Priorities = rule.Priorities?.Distinct().ToArray() ?? [],
            InboundAddress = rule.InboundAddress?.Trim().ToLowerInvariant(),
            rule.SetGroupId,
            rule.SetPriority,
            AddTags = RoutingRuleRules.Normalize(rule.AddTags),
        }, transaction, cancellationToken: ct));
        await transaction.CommitAsync(ct);
        return created;
    }
}

public static class CreateRoutingRuleEndpoint
{
    public static void MapCreateRoutingRule(this RouteGroupBuilder group) =>
        group.MapPost("/", HandleAsync)
            .WithName("CreateRoutingRule")
            .WithSummary("Add a routing rule (admin only): conditions category, tags_any, priorities, inbound_address; actions set_group_id, set_priority, add_tags. A group that does not exist is a 400 naming set_group_id.");

    private static async Task<Created<RoutingRuleResponse>> HandleAsync(CreateRoutingRuleRequest request, IMediator mediator, CancellationToken ct)
    {
        var created = await mediator.Send(new CreateRoutingRuleCommand(request), ct);
        return TypedResults.Created($"/routing-rules/{created.Id}", created);
    }
}
