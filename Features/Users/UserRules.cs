using System.Text;
using FluentValidation;
using SupportDesk.Infrastructure.Auth;
using SupportDesk.Infrastructure.Validation;

namespace SupportDesk.Features.Users;

/// <summary>Field rules shared by every slice that accepts user details (register, create user, create admin).</summary>
public static class UserRules
{
    public const int MinPasswordLength = 8;
    // bcrypt ignores everything after 72 bytes; refuse rather than silently truncate.
    public const int MaxPasswordBytes = 72;

    public static IRuleBuilderOptions<T, string> ValidEmail<T>(this IRuleBuilder<T, string> rule) =>
        rule.NotEmpty().MaximumLength(254).EmailAddress().SingleLine();

    public static IRuleBuilderOptions<T, string> ValidPassword<T>(this IRuleBuilder<T, string> rule) =>
        rule.NotEmpty()
            .MinimumLength(MinPasswordLength)
            .Must(p => Encoding.UTF8.GetByteCount(p) <= MaxPasswordBytes)
            .WithMessage($"'{{PropertyName}}' must be at most {MaxPasswordBytes} bytes in UTF-8.");

    public static IRuleBuilderOptions<T, string> ValidName<T>(this IRuleBuilder<T, string> rule) =>
        rule.NotEmpty().MaximumLength(100).Must(n => n.Trim().Length > 0).WithMessage("'{PropertyName}' must not be blank.").SingleLine();

    public static IRuleBuilderOptions<T, string?> ValidRoleName<T>(this IRuleBuilder<T, string?> rule) =>
        rule.Must(r => r is null || Roles.All.Contains(r))
            .WithMessage($"'{{PropertyName}}' must be one of: {string.Join(", ", Roles.All)}.");

    public static string NormalizeEmail(string email) => email.Trim().ToLowerInvariant();
}
