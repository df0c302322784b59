using FluentValidation;
using SupportDesk.Features.Users;

namespace SupportDesk.Features.Auth.ResetPassword;

public sealed record ResetPasswordRequest(string Token = "", string NewPassword = "");

public sealed class ResetPasswordValidator : AbstractValidator<ResetPasswordRequest>
{
    public ResetPasswordValidator()
    {
        RuleFor(r => r.Token).NotEmpty().MaximumLength(200);
        RuleFor(r => r.NewPassword).ValidPassword();
    }
}
