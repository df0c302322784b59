using FluentValidation;
using SupportDesk.Infrastructure.Validation;

namespace SupportDesk.Features.Groups;

/// <summary>Field rules shared by the slices that write groups.</summary>
public static class GroupRules
{
    public const int MaxName = 100;
    public const int MaxDescription = 1000;

    /// <summary>The unique index behind "one group per name" (case-insensitive).</summary>
    public const string NameIndex = "ux_groups_name";

    public static IRuleBuilderOptions<T, string> ValidGroupName<T>(this IRuleBuilder<T, string> rule) =>
        rule.NotEmpty().MaximumLength(MaxName).Must(n => n.Trim().Length > 0).WithMessage("'{PropertyName}' must not be blank.").SingleLine();

    public static IRuleBuilderOptions<T, string?> ValidGroupDescription<T>(this IRuleBuilder<T, string?> rule) =>
        rule.MaximumLength(MaxDescription);
}
