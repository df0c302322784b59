using FluentValidation;
using SupportDesk.Features.Users;

namespace SupportDesk.Features.Auth.ChangePassword;

public sealed record ChangePasswordRequest(string CurrentPassword = "", string NewPassword = "");

public sealed class ChangePasswordValidator : AbstractValidator<ChangePasswordRequest>
{
    public ChangePasswordValidator()
    {
        RuleFor(r => r.CurrentPassword).NotEmpty().MaximumLength(1024);
        RuleFor(r => r.NewPassword).ValidPassword();
    }
}
