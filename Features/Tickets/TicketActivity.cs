using Dapper;
using Npgsql;
using SupportDesk.Infrastructure.Auth;

namespace SupportDesk.Features.Tickets;

/// <summary>One line of the audit trail.</summary>
public sealed record HistoryEntry(string Action, string? Field, string? OldValue, string? NewValue, bool IsPrivate = false);

/// <summary>
/// What happens alongside every ticket change, inside the change's own transaction: the audit trail now,
/// and the change's followers (events, notifications, emails) as they are wired in.
/// </summary>
public sealed class TicketActivity(TimeProvider clock)
{
    private const string InsertHistorySql = """
        INSERT INTO ticket_history (id, ticket_id, actor_id, action, field, old_value, new_value, is_private, created_at)
        SELECT id, @TicketId, @ActorId, action, field, old_value, new_value, is_private, @At
        FROM unnest(@Ids, @Actions, @Fields, @OldValues, @NewValues, @Private)
             AS h(id, action, field, old_value, new_value, is_private)
        """;

    public async Task RecordAsync(NpgsqlConnection connection, NpgsqlTransaction transaction,
        Guid ticketId, CurrentUser actor, IReadOnlyList<HistoryEntry> entries, CancellationToken ct)
    {
        if (entries.Count == 0)
            return;
        await connection.ExecuteAsync(new CommandDefinition(InsertHistorySql, new
        {
            TicketId = ticketId,
            ActorId = actor.Id,
            At = clock.GetUtcNow().UtcDateTime,
            Ids = entries.Select(_ => Guid.CreateVersion7()).ToArray(),
            Actions = entries.Select(e => e.Action).ToArray(),
            Fields = entries.Select(e => e.Field).ToArray(),
            OldValues = entries.Select(e => e.OldValue).ToArray(),
            NewValues = entries.Select(e => e.NewValue).ToArray(),
            Private = entries.Select(e => e.IsPrivate).ToArray(),
        }, transaction, cancellationToken: ct));
    }
}
