using Dapper;
using Npgsql;

namespace SupportDesk.Features.Tickets;

/// <summary>
/// The routing rules, applied to a new ticket: the first active rule by position whose conditions all hold. Routing
/// rules cannot name a deleted group (the group's delete is refused while a rule routes to it).
/// </summary>
public static class TicketRouting
{
    public sealed class Route
    {
        public Guid Id { get; init; }
        public string Name { get; init; } = "";
        public Guid? SetGroupId { get; init; }
        public string? SetPriority { get; init; }
        public string[] AddTags { get; init; } = [];
    }

    // A rule's empty condition holds always; inbound_address only for tickets that came by email (null otherwise).
    private const string MatchSql = """
        SELECT r.id, r.name, r.set_group_id, r.set_priority, r.add_tags
        FROM routing_rules r
        WHERE r.is_active
          AND (r.category IS NULL OR lower(r.category) = lower(@Category))
          AND (cardinality(r.tags_any) = 0 OR r.tags_any && @Tags)
          AND (cardinality(r.priorities) = 0 OR @Priority = ANY(r.priorities))
          AND (r.inbound_address IS NULL OR r.inbound_address = lower(@InboundAddress))
        ORDER BY r.position, r.id
        LIMIT 1
        """;

    public static Task<Route?> MatchAsync(NpgsqlConnection connection, NpgsqlTransaction transaction,
        string? category, string[] tags, string priority, string? inboundAddress, CancellationToken ct) =>
        connection.QuerySingleOrDefaultAsync<Route>(new CommandDefinition(MatchSql,
            new { Category = category, Tags = tags, Priority = priority, InboundAddress = inboundAddress }, transaction, cancellationToken: ct));
}
