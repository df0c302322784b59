using FluentValidation;

namespace SupportDesk.Features.Auth.Login;

public sealed record LoginRequest(string Email = "", string Password = "");

public sealed class LoginValidator : AbstractValidator<LoginRequest>
{
    public LoginValidator()
    {
        RuleFor(r => r.Email).NotEmpty().MaximumLength(254);
        // Only a cap here: the password rules are for choosing one, not for trying one.
        RuleFor(r => r.Password).NotEmpty().MaximumLength(1024);
    }
}
