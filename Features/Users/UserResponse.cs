using SupportDesk.Infrastructure.Auth;
using SupportDesk.Infrastructure.OpenApi;

namespace SupportDesk.Features.Users;

/// <summary>A user as every route shows it: never the password hash.</summary>
public sealed class UserResponse
{
    /// <summary>The select list that fills this type; shared by the user and auth slices so the shape stays one.</summary>
    public const string Columns = "id, email, first_name, last_name, role, is_active, organization_id, restricted_to_groups, availability, max_open_tickets, created_at, updated_at";

    public Guid Id { get; init; }
    public string Email { get; init; } = "";
    public string FirstName { get; init; } = "";
    public string LastName { get; init; } = "";
    public UserRole Role { get; init; }
    public bool IsActive { get; init; }
    /// <summary>The customer's organization (see /organizations), or null.</summary>
    public Guid? OrganizationId { get; init; }
    /// <summary>Staff only: sees and works only tickets of their groups, assigned to them, or their own.</summary>
    public bool RestrictedToGroups { get; init; }
    /// <summary>online or away (PUT /me/availability); automatic assignment skips whoever is away.</summary>
    [OpenApiEnum("online", "away")] public string Availability { get; init; } = "online";
    /// <summary>Most open tickets automatic assignment gives this user (null: no limit).</summary>
    public int? MaxOpenTickets { get; init; }
    public DateTime CreatedAt { get; init; }
    public DateTime UpdatedAt { get; init; }
}
