using Npgsql;
using SupportDesk.Infrastructure.Auth;
using SupportDesk.Infrastructure.Database;

namespace SupportDesk.Features.Tickets;

/// <summary>
/// The live custom field definitions for reads outside a transaction (showing tickets, the list's field filters, the
/// views' catalog), without a round trip per request: definitions change a few times a month and every ticket read
/// needed them. Trusted only while the user-change listener's heartbeat is fresh (as the cached user state is); a change
/// reaches every instance through the ticket_fields trigger's NOTIFY within that window (under a second), and this one
/// at its commit (<see cref="Changed"/> from the writing handler). Writes never use it: they read and lock the
/// definitions in their own transaction (<see cref="CustomFieldCatalog.ForWriteAsync"/>).
/// </summary>
public sealed class TicketFieldsCache(UserStateCache proof) : IChangeSubscriber
{
    /// <summary>The channel of the ticket_fields trigger (migration M20261205170000).</summary>
    public string Channel => "supportdesk_ticket_fields";

    private IReadOnlyList<TicketFieldResponse>? _live;

    // Bumped by every change: a read that began before one is not kept (it may have seen the old definitions).
    private long _generation;

    public async Task<IReadOnlyList<TicketFieldResponse>> LiveAsync(NpgsqlConnection connection, CancellationToken ct)
    {
        if (proof.Trusted && Volatile.Read(ref _live) is { } cached)
            return cached;
        var generation = Interlocked.Read(ref _generation);
        var live = await CustomFieldCatalog.LiveAsync(connection, null, ct);
        if (proof.Trusted)
        {
            Volatile.Write(ref _live, live);
            // A change that raced with the read either sees this list (and drops it) or bumped the generation first.
            if (Interlocked.Read(ref _generation) != generation)
                Interlocked.CompareExchange(ref _live, null, live);
        }
        return live;
    }

    public void Changed(string payload) => Clear();

    public void Clear()
    {
        Interlocked.Increment(ref _generation);
        Volatile.Write(ref _live, null);
    }
}
