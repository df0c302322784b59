using System.Text.Json.Serialization;
using Dapper;
using FluentValidation;
using Mediator;
using Microsoft.AspNetCore.Http.HttpResults;
using Npgsql;
using SupportDesk.Infrastructure.Errors;
using SupportDesk.Infrastructure.Json;
using SupportDesk.Infrastructure.OpenApi;
using SupportDesk.Infrastructure.Validation;

namespace SupportDesk.Features.RoutingRules.UpdateRoutingRule;

/// <summary>A partial update: absent fields stay; category, inbound_address, set_group_id and set_priority may be null to clear.</summary>
public sealed record UpdateRoutingRuleRequest
{
    public string? Name { get; init; }
    public int? Position { get; init; }
    public bool? IsActive { get; init; }
    public Optional<string?> Category { get; init; }
    public string[]? TagsAny { get; init; }
    public string[]? Priorities { get; init; }
    public Optional<string?> InboundAddress { get; init; }
    public Optional<Guid?> SetGroupId { get; init; }
    [OpenApiEnum("low", "medium", "high", "urgent")] public Optional<string?> SetPriority { get; init; }
    public string[]? AddTags { get; init; }

    [JsonIgnore]
    public bool IsEmpty => Name is null && Position is null && IsActive is null && !Category.IsSet && TagsAny is null && Priorities is null
                           && !InboundAddress.IsSet && !SetGroupId.IsSet && !SetPriority.IsSet && AddTags is null;
}

public sealed class UpdateRoutingRuleValidator : AbstractValidator<UpdateRoutingRuleRequest>
{
    public UpdateRoutingRuleValidator()
    {
        RuleFor(r => r.Name!).ValidRuleName().When(r => r.Name is not null);
        RuleFor(r => r.Position).InclusiveBetween(0, 1_000_000);
        RuleFor(r => r.Category.Value).MaximumLength(100).Must(c => c is null || c.Trim().Length > 0).WithMessage("'category' must not be blank.")
            .SingleLine().OverridePropertyName("category").When(r => r.Category.IsSet);
        RuleFor(r => r.TagsAny).ValidRuleTags();
        RuleFor(r => r.AddTags).ValidRuleTags();
        RuleFor(r => r.Priorities).ValidPriorities();
        RuleFor(r => r.SetPriority.Value).Must(p => p is null || RoutingRuleRules.PriorityValues.Contains(p))
            .WithMessage($"'set_priority' must be one of: {string.Join(", ", RoutingRuleRules.PriorityValues)}.")
            .OverridePropertyName("set_priority").When(r => r.SetPriority.IsSet);
        RuleFor(r => r.InboundAddress.Value).ValidInboundAddress().OverridePropertyName("inbound_address").When(r => r.InboundAddress.IsSet);
        RuleFor(r => r.SetGroupId.Value).NotEqual(Guid.Empty).OverridePropertyName("set_group_id").When(r => r.SetGroupId.IsSet);
        RuleFor(r => r).Must(r => !r.IsEmpty).OverridePropertyName("body").WithMessage("Give at least one field to change.");
    }
}

public sealed record UpdateRoutingRuleCommand(Guid Id, UpdateRoutingRuleRequest Changes) : ICommand<RoutingRuleResponse>;

public sealed class UpdateRoutingRuleHandler(NpgsqlDataSource dataSource) : ICommandHandler<UpdateRoutingRuleCommand, RoutingRuleResponse>
{
    private const string LoadSql = $"SELECT {RoutingRuleResponse.Columns} FROM routing_rules r WHERE r.id = @Id FOR UPDATE";

    private const string Sql = $"""
        UPDATE routing_rules AS r SET name = @Name, position = @Position, is_active = @IsActive, category = @Category,
            tags_any = @TagsAny, priorities = @Priorities, inbound_address = @InboundAddress, set_group_id = @SetGroupId,
            set_priority = @SetPriority, add_tags = @AddTags
        WHERE r.id = @Id
        RETURNING {RoutingRuleResponse.Columns}
        """;

    public async ValueTask<RoutingRuleResponse> Handle(UpdateRoutingRuleCommand command, CancellationToken ct)
    {
        var c = command.Changes;
        await using var connection = await dataSource.OpenConnectionAsync(ct);
        await using var transaction = await connection.BeginTransactionAsync(ct);
        var rule = await connection.QuerySingleOrDefaultAsync<RoutingRuleResponse>(new CommandDefinition(LoadSql, new { command.Id }, transaction, cancellationToken: ct))
                   ?? throw new NotFoundException("Routing rule not found.");
        var groupId = c.SetGroupId.IsSet ? c.SetGroupId.Value : rule.SetGroupId;
        var priority = c.SetPriority.IsSet ? c.SetPriority.Value : rule.SetPriority;
        var addTags = c.AddTags is null ? rule.AddTags : RoutingRuleRules.Normalize(c.AddTags);
        RoutingRuleRules.EnsureHasAction(groupId, priority, addTags);
        if (c.SetGroupId.IsSet)
            await RoutingRuleRules.EnsureGroupAsync(connection, transaction, groupId, ct);

        var updated = await connection.QuerySingleAsync<RoutingRuleResponse>(new CommandDefinition(Sql, new
        {
            command.Id,
            Name = c.Name?.Trim() ?? rule.Name,
            Position = c.Position ?? rule.Position,
            IsActive = c.IsActive ?? rule.IsActive,
            Category = c.Category.IsSet ? c.Category.Value?.Trim() : rule.Category,
            TagsAny = c.TagsAny is null ? rule.TagsAny : RoutingRuleRules.Normalize(c.TagsAny),
            Priorities = c.Priorities?.Distinct().ToArray() ?? rule.Priorities,
            InboundAddress = c.InboundAddress.IsSet ? c.InboundAddress.Value?.Trim().ToLowerInvariant() : rule.InboundAddress,
            SetGroupId = groupId,
            SetPriority = priority,
            AddTags = addTags,
        }, transaction, cancellationToken: ct));
        await transaction.CommitAsync(ct);
        return updated;
    }
}

public static class UpdateRoutingRuleEndpoint
{
    public static void MapUpdateRoutingRule(this RouteGroupBuilder group) =>
        group.MapPatch("/{id:guid}", HandleAsync)
            .WithName("UpdateRoutingRule")
            .WithSummary("Change a routing rule (admin only); a group that does not exist is a 400 naming set_group_id.");

    private static async Task<Ok<RoutingRuleResponse>> HandleAsync(Guid id, UpdateRoutingRuleRequest request, IMediator mediator, CancellationToken ct) =>
        TypedResults.Ok(await mediator.Send(new UpdateRoutingRuleCommand(id, request), ct));
}
