using FluentValidation;
using SupportDesk.Infrastructure.Auth;
using SupportDesk.Infrastructure.Http;
using SupportDesk.Infrastructure.OpenApi;

namespace SupportDesk.Features.Users.ListUsers;

public sealed record ListUsersRequest([OpenApiEnum(typeof(UserRole))] string? Role, int? Limit, int? Offset);

public sealed class ListUsersValidator : AbstractValidator<ListUsersRequest>
{
    public ListUsersValidator()
    {
        RuleFor(r => r.Role).ValidRoleName();
        RuleFor(r => r.Limit).InclusiveBetween(1, Paging.MaxLimit);
        RuleFor(r => r.Offset).InclusiveBetween(0, Paging.MaxOffset);
    }
}
