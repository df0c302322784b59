using Dapper;
using FluentValidation;
using Npgsql;
using SupportDesk.Infrastructure.Errors;
using SupportDesk.Infrastructure.Validation;

namespace SupportDesk.Features.RoutingRules;

/// <summary>Field rules and checks shared by the slices that write routing rules.</summary>
public static class RoutingRuleRules
{
    public const int MaxName = 100;
    public const int MaxTags = 20;
    public const int MaxTagLength = 50;
    public static readonly string[] PriorityValues = ["low", "medium", "high", "urgent"];

    public static IRuleBuilderOptions<T, string> ValidRuleName<T>(this IRuleBuilder<T, string> rule) =>
        rule.NotEmpty().MaximumLength(MaxName).Must(n => n.Trim().Length > 0).WithMessage("'{PropertyName}' must not be blank.").SingleLine();

    public static IRuleBuilderOptions<T, string[]?> ValidRuleTags<T>(this IRuleBuilder<T, string[]?> rule) =>
        rule.Must(tags => tags is null || tags.Length <= MaxTags).WithMessage($"'{{PropertyName}}' may hold at most {MaxTags} tags.")
            .Must(tags => tags is null || tags.All(t => t is not null && t.Trim().Length is > 0 and <= MaxTagLength))
            .WithMessage($"Each tag must be 1 to {MaxTagLength} characters.")
            .EachSingleLine();

    public static IRuleBuilderOptions<T, string[]?> ValidPriorities<T>(this IRuleBuilder<T, string[]?> rule) =>
        rule.Must(values => values is null || values.All(v => PriorityValues.Contains(v)))
            .WithMessage($"'{{PropertyName}}' may hold only: {string.Join(", ", PriorityValues)}.");

    public static IRuleBuilderOptions<T, string?> ValidInboundAddress<T>(this IRuleBuilder<T, string?> rule) =>
        rule.Must(a => a is null || (a.Length is >= 3 and <= 254 && a.Contains('@'))).WithMessage("'{PropertyName}' must be an email address.").SingleLine();

    public static string[] Normalize(string[]? tags) => tags is null ? [] : tags.Select(t => t.Trim().ToLowerInvariant()).Distinct().ToArray();

    // FOR SHARE: a delete of the group in flight is waited for, then seen.
    private const string GroupExistsSql = "SELECT EXISTS (SELECT 1 FROM groups WHERE id = @Id FOR SHARE)";

    /// <summary>A rule may only route to a group that exists: 400 naming set_group_id otherwise.</summary>
    public static async Task EnsureGroupAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, Guid? groupId, CancellationToken ct)
    {
        if (groupId is { } id && !await connection.ExecuteScalarAsync<bool>(new CommandDefinition(GroupExistsSql, new { Id = id }, transaction, cancellationToken: ct)))
            throw new FieldValidationException("set_group_id", "No group has this id (was it deleted?).");
    }

    public static void EnsureHasAction(Guid? group, string? priority, string[] addTags)
    {
        if (group is null && priority is null && addTags.Length == 0)
            throw new FieldValidationException("body", "A rule needs at least one action: set_group_id, set_priority or add_tags.");
    }
}
