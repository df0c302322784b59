using System.Security.Claims;

namespace SupportDesk.Infrastructure.Auth;

/// <summary>
/// Who is calling: resolved by the endpoint from the validated token and handed to the handler in its command.
/// RestrictedToGroups comes from the user's row, read on every request (never from the token).
/// </summary>
public sealed record CurrentUser(Guid Id, UserRole Role, bool RestrictedToGroups = false)
{
    public bool IsStaff => Role.IsStaff();
    public bool IsAdmin => Role == UserRole.Admin;

    /// <summary>Staff who are not restricted to their groups see every live ticket (the @SeesAll of <see cref="TicketVisibility"/>).</summary>
    public bool SeesAllTickets => IsStaff && !RestrictedToGroups;
}

public static class CurrentUserExtensions
{
    public static CurrentUser ToCurrentUser(this ClaimsPrincipal principal)
    {
        var id = principal.FindFirstValue(TokenClaims.Subject);
        var role = principal.FindFirstValue(TokenClaims.Role);
        if (!Guid.TryParse(id, out var userId) || role is null)
            throw new InvalidOperationException("The endpoint requires an authenticated user but the principal carries no user id or role.");
        return new CurrentUser(userId, Roles.Parse(role), principal.HasClaim(TokenClaims.RestrictedToGroups, "true"));
    }
}
