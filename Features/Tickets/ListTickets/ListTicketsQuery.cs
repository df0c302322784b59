using System.Text;
using Dapper;
using Mediator;
using Npgsql;
using SupportDesk.Infrastructure.Auth;
using SupportDesk.Infrastructure.Configuration;
using SupportDesk.Infrastructure.Http;
using SupportDesk.Infrastructure.Search;

namespace SupportDesk.Features.Tickets.ListTickets;

public sealed record AssigneeFilter(bool Unassigned, Guid? UserId)
{
    public static readonly AssigneeFilter Any = new(false, null);
    public static readonly AssigneeFilter None = new(true, null);
    public static AssigneeFilter Is(Guid id) => new(false, id);
}

public sealed record ListTicketsQuery(
    CurrentUser User,
    string[]? Statuses,
    string[]? Priorities,
    string? Category,
    string? Tag,
    AssigneeFilter Assignee,
    Guid? RequesterId,
    DateTime? CreatedAfter,
    DateTime? CreatedBefore,
    string Sort,
    string Order,
    int Limit,
    int Offset,
    string? Q = null,
    Guid? GroupId = null,
    bool NoGroup = false,
    IReadOnlyDictionary<string, string>? FieldFilters = null,
    bool? SlaBreached = null,
    DateTime? SlaDueBefore = null) : IQuery<PagedResponse<TicketResponse>>
{
    /// <summary>The field filters as one JSONB containment value (set by the handler from <see cref="FieldFilters"/>).</summary>
    public string? CustomFieldsContain { get; init; }
}

public sealed partial class ListTicketsHandler(NpgsqlDataSource dataSource, AppSettings settings, TicketFieldsCache fieldsCache) : IQueryHandler<ListTicketsQuery, PagedResponse<TicketResponse>>
{
    /// <summary>
    /// With a full-text or custom field filter, counting stops here (as GitHub's search does): a common word can match most of a
    /// million tickets, and the count's cost grows with the cap (bench/README.md, search).
    /// </summary>
    public const int MaxSearchTotal = 1_000;

    // Each filter adds a fixed, parameterised condition, so every combination gets its own (index-friendly)
    // plan instead of one catch-all "(@x IS NULL OR …)" plan. Only whitelisted text is ever concatenated.
    private static readonly Dictionary<string, string> SortColumns = new()
    {
        ["created_at"] = "t.created_at",
        ["updated_at"] = "t.updated_at",
        ["priority"] = "t.priority_rank",
    };

    // A target past due and not fulfilled (the job stamped breached_at): tickets.sla_breached, kept by the SLA clock and the
    // breach job (M20261205150000), with its partial index ix_tickets_sla_breached.
    private const string BreachedSql = "t.sla_breached";

    public async ValueTask<PagedResponse<TicketResponse>> Handle(ListTicketsQuery query, CancellationToken ct)
    {
        await using var connection = await dataSource.OpenConnectionAsync(ct);
        if (query.FieldFilters is { Count: > 0 } filters)
        {
            var fields = await fieldsCache.LiveAsync(connection, ct);
            query = query with { CustomFieldsContain = CustomFieldFilters.Containment(filters, fields, query.User.IsStaff) };
        }
        // A text search is planned for its own words (a cached plan cannot tell a rare word from a common one).
        await using var transaction = query.Q is null ? null : await connection.BeginSearchAsync(ct);
        var sql = SqlFor(query, settings.Search.Language);
        var peers = query.User.IsStaff ? [] : await TicketVisibility.PeersAsync(connection, transaction, query.User.Id, ct);
        int[] phraseKeys = [];
        if (query.Q is not null)
        {
            // Only a text search carries the phrase-key marker; plain lists skip the lookup and the rewrite.
            phraseKeys = await connection.PhraseKeysAsync(transaction!, query.Q, settings.Search.Language, ct);
            sql = sql.WithPhraseKeys(phraseKeys.Length > 0);
        }
        await using var results = await connection.QueryMultipleAsync(new CommandDefinition(
            sql, ParametersFor(query, phraseKeys, peers), transaction, cancellationToken: ct));
        var items = (await results.ReadAsync<TicketResponse>()).AsList();
        var total = await results.ReadSingleAsync<long>();
        // A read-only statement even inside the search transaction: the cached definitions do.
        var shown = await CustomFieldCatalog.ShowAsync(fieldsCache, connection, items, query.User.IsStaff, ct);
        return new PagedResponse<TicketResponse>(shown, total, query.Limit, query.Offset);
    }

    /// <summary>The statements for this combination of filters (the benchmark runs them as its baseline too).</summary>
    internal static string SqlFor(ListTicketsQuery query, string language)
    {
        var where = WhereFor(query);
        var direction = query.Order == "asc" ? "ASC" : "DESC";
        var orderBy = query.Sort switch
        {
            "created_at" => $"t.created_at {direction}, t.id {direction}",
            // Tickets without a running target have no due time: after every one that has, in either direction.
            "sla_due_at" => $"t.sla_due_at {direction} NULLS LAST, t.id {direction}",
            _ => $"{SortColumns[query.Sort]} {direction}, t.created_at DESC, t.id DESC",
        };

        // A field filter counts the same way: a common value (a plan a quarter of tickets hold) cannot be counted from
        // the index alone, and a full count read every matching row (bench/README.md, custom field filter).
        var count = query.Q is null && query.CustomFieldsContain is null
            ? $"SELECT count(*) FROM tickets t WHERE {where};"
            : $"SELECT count(*) FROM (SELECT 1 FROM tickets t WHERE {where} LIMIT {MaxSearchTotal}) matches;";
        return $"""
            SELECT {TicketResponse.Columns}
            FROM tickets t
            WHERE {where}
            ORDER BY {orderBy}
            LIMIT @Limit OFFSET @Offset;

            {count}
            """.ForLanguage(language);
    }

    private static string WhereFor(ListTicketsQuery query)
    {
        var where = new StringBuilder(query.User.SeesAllTickets ? TicketVisibility.StaffListedTo
            : query.User.IsStaff ? TicketVisibility.RestrictedListedTo : TicketVisibility.CustomerListedTo);
        if (query.Statuses is not null) where.Append(" AND t.status = ANY(@Statuses)");
        if (query.Priorities is not null) where.Append(" AND t.priority = ANY(@Priorities)");
        if (query.Category is not null) where.Append(" AND t.category = @Category");
        if (query.Tag is not null) where.Append(" AND t.tags @> ARRAY[@Tag]::text[]");
        if (query.Assignee.Unassigned) where.Append(" AND t.assignee_id IS NULL");
        if (query.Assignee.UserId is not null) where.Append(" AND t.assignee_id = @AssigneeId");
        if (query.RequesterId is not null) where.Append(" AND t.requester_id = @RequesterId");
        if (query.GroupId is not null) where.Append(" AND t.group_id = @GroupId");
        if (query.NoGroup) where.Append(" AND t.group_id IS NULL");
        if (query.CreatedAfter is not null) where.Append(" AND t.created_at >= @CreatedAfter");
        if (query.CreatedBefore is not null) where.Append(" AND t.created_at < @CreatedBefore");
        // Containment is what the GIN index on custom_fields (jsonb_path_ops) answers.
        if (query.CustomFieldsContain is not null) where.Append(" AND t.custom_fields @> @CustomFieldsContain::jsonb");
        if (query.SlaBreached is { } breached) where.Append(breached ? $" AND {BreachedSql}" : $" AND NOT {BreachedSql}");
        if (query.SlaDueBefore is not null) where.Append(" AND t.sla_due_at < @SlaDueBefore");
        if (query.Q is not null) where.Append($" AND t.search_vector @@ {FullTextSql.TsQuery} {FullTextSql.PhraseKeysFilter("t")}");
        return where.ToString();
    }

    /// <summary>
    /// How many tickets match a query, counting at most @Cap + 1 rows (so "more than the cap" can be told apart); saved
    /// views' counts (staff only, so no @Peers). The matches are read through the same index the list would use.
    /// </summary>
    internal static string CappedCountSqlFor(ListTicketsQuery query, string language) =>
        $"SELECT count(*) FROM (SELECT 1 FROM tickets t WHERE {WhereFor(query)} LIMIT @Cap + 1) matches".ForLanguage(language);

    /// <summary>The capped count of <see cref="CappedCountSqlFor"/>, with a text search planned and filtered as the list's is.</summary>
    internal static async Task<long> CappedCountAsync(NpgsqlConnection connection, ListTicketsQuery query, int cap, string language, CancellationToken ct)
    {
        await using var transaction = query.Q is null ? null : await connection.BeginSearchAsync(ct);
        var sql = CappedCountSqlFor(query, language);
        int[] phraseKeys = [];
        if (query.Q is not null)
        {
            phraseKeys = await connection.PhraseKeysAsync(transaction!, query.Q, language, ct);
            sql = sql.WithPhraseKeys(phraseKeys.Length > 0);
        }
        var parameters = new DynamicParameters(ParametersFor(query, phraseKeys));
        parameters.Add("Cap", cap);
        return await connection.ExecuteScalarAsync<long>(new CommandDefinition(sql, parameters, transaction, cancellationToken: ct));
    }

    /// <summary>
    /// The capped counts of several queries in one round trip: each statement's parameters are renamed apart (@q3_Statuses),
    /// so the statements go as one batch and the server runs them back to back. A text search keeps its own transaction.
    /// </summary>
    internal static async Task<long[]> CappedCountsAsync(NpgsqlConnection connection, IReadOnlyList<ListTicketsQuery> queries, int cap, string language, CancellationToken ct)
    {
        var counts = new long[queries.Count];
        var batched = new List<int>();
        for (var i = 0; i < queries.Count; i++)
        {
            if (queries[i].Q is null)
                batched.Add(i);
            else
                counts[i] = await CappedCountAsync(connection, queries[i], cap, language, ct);
        }
        if (batched.Count == 0)
            return counts;
        var sql = new StringBuilder();
        var parameters = new DynamicParameters();
        parameters.Add("Cap", cap);
        foreach (var i in batched)
        {
            var prefix = $"q{i}_";
            sql.Append(ParameterName().Replace(CappedCountSqlFor(queries[i], language), m => m.Value == "@Cap" ? m.Value : "@" + prefix + m.Groups[1].Value)).Append(";\n");
            var values = ParametersFor(queries[i]);
            foreach (var property in values.GetType().GetProperties())
                parameters.Add(prefix + property.Name, property.GetValue(values));
        }
        await using var results = await connection.QueryMultipleAsync(new CommandDefinition(sql.ToString(), parameters, cancellationToken: ct));
        foreach (var i in batched)
            counts[i] = await results.ReadSingleAsync<long>();
        return counts;
    }

    // A parameter reference: @Name, not the @> and @@ operators.
    [System.Text.RegularExpressions.GeneratedRegex(@"(?<![@\w])@([A-Za-z_]\w*)")]
    private static partial System.Text.RegularExpressions.Regex ParameterName();

    /// <summary>The parameters of <see cref="SqlFor"/>; peers: a customer's (TicketVisibility.PeersAsync).</summary>
    internal static object ParametersFor(ListTicketsQuery query, int[]? phraseKeys = null, Guid[]? peers = null) => new
    {
        UserId = query.User.Id,
        Peers = peers ?? [],
        query.User.IsStaff,
        SeesAll = query.User.SeesAllTickets,
        query.Statuses,
        query.Priorities,
        query.Category,
        query.Tag,
        AssigneeId = query.Assignee.UserId,
        query.RequesterId,
        query.GroupId,
        query.CreatedAfter,
        query.CreatedBefore,
        query.Limit,
        query.Offset,
        Query = query.Q,
        query.CustomFieldsContain,
        query.SlaDueBefore,
        PhraseKeys = phraseKeys ?? [],
    };
}
