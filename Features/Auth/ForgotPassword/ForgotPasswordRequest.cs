using FluentValidation;

namespace SupportDesk.Features.Auth.ForgotPassword;

public sealed record ForgotPasswordRequest(string Email = "");

public sealed class ForgotPasswordValidator : AbstractValidator<ForgotPasswordRequest>
{
    public ForgotPasswordValidator() => RuleFor(r => r.Email).NotEmpty().MaximumLength(254);
}
