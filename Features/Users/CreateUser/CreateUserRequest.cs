using FluentValidation;
using SupportDesk.Infrastructure.Auth;

namespace SupportDesk.Features.Users.CreateUser;

public sealed record CreateUserRequest(
    string Email = "", string Password = "", string FirstName = "", string LastName = "", UserRole? Role = null);

public sealed class CreateUserValidator : AbstractValidator<CreateUserRequest>
{
    public CreateUserValidator()
    {
        RuleFor(r => r.Email).ValidEmail();
        RuleFor(r => r.Password).ValidPassword();
        RuleFor(r => r.FirstName).ValidName();
        RuleFor(r => r.LastName).ValidName();
        RuleFor(r => r.Role).NotNull();
    }
}
