using Dapper;
using Npgsql;

namespace SupportDesk.Infrastructure.Auth;

/// <summary>
/// "Which tickets may this user see", the one definition for every place that asks: the ticket routes, search, the
/// attachments, the WebSocket subscriptions, the notifications and email recipients. SQL conditions on alias t, with
/// parameters @UserId, @IsStaff and @SeesAll (<see cref="CurrentUser.SeesAllTickets"/>): staff see every live ticket,
/// unless an admin restricted them to their groups; then they see their own, the tickets of their groups and the ones
/// assigned to them. Customers see their own and, while they belong to a shared organization, those of its other
/// members. A deleted ticket is seen by nobody. Memberships (of groups and organizations) and sharing are read when
/// the request runs (in the statement itself, or for lists in the one just before), so a change applies at once.
/// What a colleague sees of such a ticket is what its requester sees: never private comments or their history.
/// </summary>
public static class TicketVisibility
{
    /// <summary>
    /// The customers whose tickets customer @UserId may see: themselves, and the other members of their organization
    /// when it is shared.
    /// </summary>
    private const string Peers = """
        SELECT peer.id FROM users peer
        WHERE peer.id = @UserId OR peer.organization_id = (
            SELECT o.id FROM users me JOIN organizations o ON o.id = me.organization_id
            WHERE me.id = @UserId AND o.shared)
        """;

    /// <summary>The same, when the organization also lets its members comment (shared_comments).</summary>
    private const string CommentingPeers = """
        SELECT peer.id FROM users peer
        WHERE peer.id = @UserId OR peer.organization_id = (
            SELECT o.id FROM users me JOIN organizations o ON o.id = me.organization_id
            WHERE me.id = @UserId AND o.shared AND o.shared_comments)
        """;

    /// <summary>
    /// The rule for statements that scan many tickets (lists, search), in three texts so each gets its own plan: staff
    /// see every live ticket; a restricted agent their own, their groups' and their assigned ones; a customer those whose requester is in @Peers, read by <see cref="PeersAsync"/> just
    /// before in the same request. With the requesters as a parameter the planner knows how many there are and probes
    /// the requester index; given the subquery it has to guess, and at a million tickets it walked the created_at index
    /// instead (bench/README.md, organizations).
    /// </summary>
    public const string StaffListedTo = "t.deleted_at IS NULL";

    /// <inheritdoc cref="StaffListedTo"/>
    public const string CustomerListedTo = "t.deleted_at IS NULL AND t.requester_id = ANY(@Peers)";

    private const string PeersSql = $"SELECT ARRAY({Peers})";

    /// <summary>The customers whose tickets customer <paramref name="userId"/> may see now (@Peers of <see cref="CustomerListedTo"/>).</summary>
    public static async Task<Guid[]> PeersAsync(NpgsqlConnection connection, NpgsqlTransaction? transaction, Guid userId, CancellationToken ct) =>
        await connection.ExecuteScalarAsync<Guid[]>(new CommandDefinition(PeersSql, new { UserId = userId }, transaction, cancellationToken: ct)) ?? [];

    /// <summary>What a restricted agent works on besides their own tickets (alias t, parameter @UserId).</summary>
    public const string OfRestrictedAgent =
        "(t.assignee_id = @UserId OR t.group_id IN (SELECT gm.group_id FROM group_members gm WHERE gm.user_id = @UserId))";

    /// <inheritdoc cref="StaffListedTo"/>
    public const string RestrictedListedTo = $"t.deleted_at IS NULL AND (t.requester_id = @UserId OR {OfRestrictedAgent})";

    /// <summary>
    /// The same rule as <see cref="RestrictedListedTo"/> with the agent's groups read just before (@Groups, from
    /// <see cref="GroupsAsync"/>), for statements over many tickets: given the array the planner knows how many tickets
    /// the groups hold; given the subquery it guessed few and probed the facts of a report once per ticket.
    /// </summary>
    public const string RestrictedInGroupsListedTo =
        "t.deleted_at IS NULL AND (t.requester_id = @UserId OR t.assignee_id = @UserId OR t.group_id = ANY(@Groups))";

    private const string GroupsSql = "SELECT ARRAY(SELECT gm.group_id FROM group_members gm WHERE gm.user_id = @UserId)";

    /// <summary>The groups agent <paramref name="userId"/> belongs to now (@Groups of <see cref="RestrictedInGroupsListedTo"/>).</summary>
    public static async Task<Guid[]> GroupsAsync(NpgsqlConnection connection, NpgsqlTransaction? transaction, Guid userId, CancellationToken ct) =>
        await connection.ExecuteScalarAsync<Guid[]>(new CommandDefinition(GroupsSql, new { UserId = userId }, transaction, cancellationToken: ct)) ?? [];

    /// <summary>
    /// The same rule as <see cref="RestrictedInGroupsListedTo"/>, as the ids of those tickets: one branch per way in
    /// (group, assignee, requester), so each is a range of its own index rather than a filter over every ticket.
    /// <paramref name="where"/> is " AND …" on alias t, applied in every branch.
    /// </summary>
    public static string RestrictedTicketIds(string where) => $"""
        SELECT t.id FROM tickets t WHERE t.deleted_at IS NULL AND t.group_id = ANY(@Groups){where}
        UNION ALL SELECT t.id FROM tickets t WHERE t.deleted_at IS NULL AND t.assignee_id = @UserId{where}
        UNION ALL SELECT t.id FROM tickets t WHERE t.deleted_at IS NULL AND t.requester_id = @UserId{where}
        """;

    public const string VisibleTo =
        $"t.deleted_at IS NULL AND (@SeesAll OR t.requester_id IN ({Peers}) OR (@IsStaff AND {OfRestrictedAgent}))";

    /// <summary>
    /// Who may write a public comment on ticket t: staff, its requester, and the members of the requester's shared
    /// organization when it has shared_comments. Only ever asked about a ticket the user may see.
    /// </summary>
    public const string CommentableBy = $"t.deleted_at IS NULL AND (@IsStaff OR t.requester_id IN ({CommentingPeers}))";

    /// <summary>
    /// The same rule for a user row u (aliases t and u), for statements that tell someone about a ticket: the
    /// recipient's role, restriction, active flag and organization are read in the statement that writes the
    /// notification or email, so a user demoted, restricted, deactivated or moved out of the organization a moment
    /// earlier is not told.
    /// </summary>
    public const string VisibleToUserRow = """
        t.deleted_at IS NULL AND u.is_active AND (t.requester_id = u.id
            OR (u.role IN ('agent', 'admin') AND (
                NOT u.restricted_to_groups OR t.assignee_id = u.id
                OR EXISTS (SELECT 1 FROM group_members gm WHERE gm.user_id = u.id AND gm.group_id = t.group_id)))
            OR EXISTS (
                SELECT 1 FROM users requester JOIN organizations o ON o.id = requester.organization_id
                WHERE requester.id = t.requester_id AND o.shared AND requester.organization_id = u.organization_id))
        """;

    /// <summary>
    /// The shared organization of user @UserId (none when they have none or it is not shared): two customers with the
    /// same one see each other's tickets. The WebSocket fan-out routes by it, so it holds no query per socket.
    /// </summary>
    public const string SharedOrganizationOf = """
        SELECT o.id FROM users u JOIN organizations o ON o.id = u.organization_id
        WHERE u.id = @UserId AND o.shared
        """;

    /// <summary>
    /// A follower (someone Cc'd on the ticket's mail, user row u, ticket t): told about the ticket's public updates by
    /// mail, nothing else (they see it in the app only if the rule above lets them).
    /// </summary>
    public const string FollowerUserRow =
        "t.deleted_at IS NULL AND u.is_active AND EXISTS (SELECT 1 FROM ticket_followers f WHERE f.ticket_id = t.id AND f.user_id = u.id)";
}
