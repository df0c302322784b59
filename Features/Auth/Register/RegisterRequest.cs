using FluentValidation;
using SupportDesk.Features.Users;

namespace SupportDesk.Features.Auth.Register;

public sealed record RegisterRequest(string Email = "", string Password = "", string FirstName = "", string LastName = "");

public sealed class RegisterValidator : AbstractValidator<RegisterRequest>
{
    public RegisterValidator()
    {
        RuleFor(r => r.Email).ValidEmail();
        RuleFor(r => r.Password).ValidPassword();
        RuleFor(r => r.FirstName).ValidName();
        RuleFor(r => r.LastName).ValidName();
    }
}
