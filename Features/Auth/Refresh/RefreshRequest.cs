using FluentValidation;

namespace SupportDesk.Features.Auth.Refresh;

public sealed record RefreshRequest(string RefreshToken = "");

public sealed class RefreshValidator : AbstractValidator<RefreshRequest>
{
    public RefreshValidator() => RuleFor(r => r.RefreshToken).NotEmpty().MaximumLength(200);
}
