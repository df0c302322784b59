using Npgsql;

namespace SupportDesk.Infrastructure.Auth;

/// <summary>
/// Told inside the transaction that narrows a user's access (a staff member made a customer, a deactivation), so
/// whatever the user may no longer hold is let go in the same commit. The areas that hand work to users implement
/// it (Tickets releases assignments); the Users area calls every implementation without knowing them.
/// </summary>
public interface IUserAccessNarrowed
{
    Task NarrowedAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, Guid userId, CurrentUser actor, CancellationToken ct);
}
