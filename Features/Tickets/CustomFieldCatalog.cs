using Dapper;
using Npgsql;

namespace SupportDesk.Features.Tickets;

/// <summary>
/// Reads the live custom field definitions for the statement at hand. A write reads them in its own transaction: a
/// ticket write that sets some fields holds their definitions (FOR SHARE) until it commits, so a concurrent change to
/// one of them (a label, its options, a delete) waits for the write rather than passing it: no write is checked
/// against a stale definition and none is lost. Reads outside a write (showing tickets, list filters, views) take
/// them from <see cref="TicketFieldsCache"/>: in force at the commit on the instance that changed them, and on every
/// other within a second. Tickets store values by key, so a definition change never has to touch a ticket row.
/// </summary>
public static class CustomFieldCatalog
{
    /// <summary>Serializes definition creates (the TICKET_FIELDS_MAX count): SQL for an advisory lock key of its own.</summary>
    public const string DefinitionsLock = "hashtextextended('supportdesk.ticket_fields', 0)";

    internal const string LiveSql = $"""
        SELECT {TicketFieldResponse.Columns} FROM ticket_fields f
        WHERE f.deleted_at IS NULL
        ORDER BY f.position, f.created_at, f.id
        """;

    private const string LockSql = "SELECT count(*) FROM (SELECT 1 FROM ticket_fields WHERE key = ANY(@Keys) ORDER BY id FOR SHARE) held;";

    /// <summary>Every live definition, in display order.</summary>
    public static async Task<IReadOnlyList<TicketFieldResponse>> LiveAsync(NpgsqlConnection connection, NpgsqlTransaction? transaction, CancellationToken ct) =>
        (await connection.QueryAsync<TicketFieldResponse>(new CommandDefinition(LiveSql, transaction: transaction, cancellationToken: ct))).AsList();

    /// <summary>Inside a ticket write: holds the definitions of the keys being written, then reads every live one.</summary>
    public static async Task<IReadOnlyList<TicketFieldResponse>> ForWriteAsync(
        NpgsqlConnection connection, NpgsqlTransaction transaction, IEnumerable<string> keys, CancellationToken ct)
    {
        var held = keys.Distinct().Order(StringComparer.Ordinal).ToArray();
        if (held.Length > 0)
            await connection.ExecuteScalarAsync<long>(new CommandDefinition(LockSql, new { Keys = held }, transaction, cancellationToken: ct));
        return await LiveAsync(connection, transaction, ct);
    }

    /// <summary>The tickets as this caller sees them; the definitions are read only when some ticket holds values.</summary>
    public static async Task<List<TicketResponse>> ShowAsync(
        NpgsqlConnection connection, NpgsqlTransaction? transaction, IReadOnlyList<TicketResponse> tickets, bool isStaff, CancellationToken ct)
    {
        var fields = tickets.Any(t => t.StoredCustomFields != "{}") ? await LiveAsync(connection, transaction, ct) : [];
        return tickets.Select(t => t.ViewedBy(fields, isStaff)).ToList();
    }

    public static async Task<TicketResponse> ShowAsync(
        NpgsqlConnection connection, NpgsqlTransaction? transaction, TicketResponse ticket, bool isStaff, CancellationToken ct) =>
        (await ShowAsync(connection, transaction, [ticket], isStaff, ct))[0];

    /// <summary>The same for a read outside any write: the definitions from this instance's cache.</summary>
    public static async Task<List<TicketResponse>> ShowAsync(
        TicketFieldsCache cache, NpgsqlConnection connection, IReadOnlyList<TicketResponse> tickets, bool isStaff, CancellationToken ct)
    {
        var fields = tickets.Any(t => t.StoredCustomFields != "{}") ? await cache.LiveAsync(connection, ct) : [];
        return tickets.Select(t => t.ViewedBy(fields, isStaff)).ToList();
    }
}
