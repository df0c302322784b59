using FluentValidation;
using SupportDesk.Infrastructure.Auth;
using SupportDesk.Infrastructure.Json;

namespace SupportDesk.Features.Users.UpdateUser;

/// <summary>A partial update: absent fields stay as they are.</summary>
public sealed record UpdateUserRequest(UserRole? Role = null, bool? IsActive = null, string? FirstName = null, string? LastName = null,
    bool? RestrictedToGroups = null)
{
    /// <summary>Most open tickets automatic assignment gives the user; null clears the limit.</summary>
    public Optional<int?> MaxOpenTickets { get; init; }
}

public sealed class UpdateUserValidator : AbstractValidator<UpdateUserRequest>
{
    public const int MaxCapacity = 100_000;

    public UpdateUserValidator()
    {
        RuleFor(r => r.FirstName!).ValidName().When(r => r.FirstName is not null);
        RuleFor(r => r.LastName!).ValidName().When(r => r.LastName is not null);
        RuleFor(r => r.MaxOpenTickets.Value).InclusiveBetween(1, MaxCapacity).OverridePropertyName("max_open_tickets").When(r => r.MaxOpenTickets.IsSet && r.MaxOpenTickets.Value is not null);
        RuleFor(r => r)
            .Must(r => r.Role is not null || r.IsActive is not null || r.FirstName is not null || r.LastName is not null || r.RestrictedToGroups is not null || r.MaxOpenTickets.IsSet)
            .OverridePropertyName("body")
            .WithMessage("Give at least one of role, is_active, first_name, last_name, restricted_to_groups, max_open_tickets.");
    }
}
