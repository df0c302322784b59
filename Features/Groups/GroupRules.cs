using FluentValidation;
using SupportDesk.Infrastructure.Validation;

namespace SupportDesk.Features.Groups;

/// <summary>
/// How a new ticket filed in the group gets its assignee: nobody (manual), the next online member with room in turn
/// (round_robin), or the online member with room who holds the fewest open tickets (least_open).
/// </summary>
public enum AssignmentMode
{
    Manual,
    RoundRobin,
    LeastOpen,
}

/// <summary>Field rules shared by the slices that write groups.</summary>
public static class GroupRules
{
    public const int MaxName = 100;
    public const int MaxDescription = 1000;

    /// <summary>The unique index behind "one group per name" (case-insensitive).</summary>
    public const string NameIndex = "ux_groups_name";

    public static IRuleBuilderOptions<T, string> ValidGroupName<T>(this IRuleBuilder<T, string> rule) =>
        rule.NotEmpty().MaximumLength(MaxName).Must(n => n.Trim().Length > 0).WithMessage("'{PropertyName}' must not be blank.").SingleLine();

    public static string ToDb(this AssignmentMode mode) => mode switch
    {
        AssignmentMode.RoundRobin => "round_robin",
        AssignmentMode.LeastOpen => "least_open",
        _ => "manual",
    };

    public static IRuleBuilderOptions<T, string?> ValidGroupDescription<T>(this IRuleBuilder<T, string?> rule) =>
        rule.MaximumLength(MaxDescription);
}
