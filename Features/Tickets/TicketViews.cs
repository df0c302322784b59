using System.Text.Json;
using Dapper;
using FluentValidation;
using Npgsql;
using SupportDesk.Features.Tickets.ListTickets;
using SupportDesk.Infrastructure.Auth;
using SupportDesk.Infrastructure.Errors;
using SupportDesk.Infrastructure.OpenApi;

namespace SupportDesk.Features.Tickets;

/// <summary>A saved view: GET /tickets filters with a name, an order and who else sees it.</summary>
public sealed class ViewResponse
{
    public const string Columns = "v.id, v.owner_id, v.name, v.position, v.shared_with, v.group_ids, v.filters::text AS filters_json, v.created_at, v.updated_at";

    public Guid Id { get; init; }
    public Guid OwnerId { get; init; }
    public string Name { get; init; } = "";
    public int Position { get; init; }
    [OpenApiEnum("personal", "groups", "everyone")] public string SharedWith { get; init; } = "personal";
    public Guid[] GroupIds { get; init; } = [];
    /// <summary>The GET /tickets query parameters the view applies: any the list route takes (field.&lt;key&gt;, sla_breached, q …) but limit and offset.</summary>
    public Dictionary<string, string> Filters => JsonSerializer.Deserialize<Dictionary<string, string>>(FiltersJson) ?? [];
    [System.Text.Json.Serialization.JsonIgnore] public string FiltersJson { get; init; } = "{}";
    public DateTime CreatedAt { get; init; }
    public DateTime UpdatedAt { get; init; }
    /// <summary>false when the filters no longer hold (a deleted custom field or group): the view then answers 422 until edited.</summary>
    public bool Valid { get; set; } = true;
    /// <summary>Which filter no longer holds and why, when valid is false.</summary>
    public string? Problem { get; set; }
}

/// <summary>What views share: who sees one, and turning its filters into the list route's query by the list route's own rules.</summary>
public static class TicketViews
{
    /// <summary>The caller's own views, those shared with everyone, and those shared with a group the caller is in (alias v, @UserId).</summary>
    public const string VisibleTo = """
        (v.owner_id = @UserId OR v.shared_with = 'everyone'
         OR (v.shared_with = 'groups' AND v.group_ids && ARRAY(SELECT gm.group_id FROM group_members gm WHERE gm.user_id = @UserId)))
        """;

    public const int CountCap = 1_000;

    /// <summary>
    /// The query parameters a view may hold: every GET /tickets parameter (<see cref="ListTicketsRequest.Parameters"/>) and
    /// field.&lt;key&gt;, except limit and offset (the paging of GET /views/{id}/tickets itself).
    /// </summary>
    public static readonly string[] FilterKeys = [.. ListTicketsRequest.Parameters.Keys.Except(PagingKeys).Order(StringComparer.Ordinal), CustomFieldFilters.Prefix + "<key>"];

    private static string[] PagingKeys => ["limit", "offset"];

    /// <summary>A view's filters read by the list route's rules: the request, and the field.&lt;key&gt; filters by key.</summary>
    public sealed record ViewFilters(ListTicketsRequest Request, IReadOnlyDictionary<string, string>? FieldFilters);

    /// <summary>The live things a view's filters name: the custom field definitions and the groups' ids.</summary>
    public sealed record ViewCatalog(IReadOnlyList<TicketFieldResponse> Fields, IReadOnlySet<Guid> Groups);

    /// <summary>The list request the filters stand for, or the problems with them (field names prefixed filters.).</summary>
    public static (ViewFilters? Filters, Dictionary<string, string[]> Errors) Read(IReadOnlyDictionary<string, string> filters)
    {
        var errors = new Dictionary<string, string[]>(StringComparer.Ordinal);
        var plain = new Dictionary<string, string>(StringComparer.Ordinal);
        var fields = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var (key, value) in filters)
        {
            if (key.StartsWith(CustomFieldFilters.Prefix, StringComparison.Ordinal) && key.Length > CustomFieldFilters.Prefix.Length)
            {
                if (CustomFieldFilters.Check(key, value) is { } problem)
                    errors[$"filters.{key}"] = [problem];
                fields[key[CustomFieldFilters.Prefix.Length..]] = value;
            }
            else if (PagingKeys.Contains(key) || !ListTicketsRequest.Parameters.ContainsKey(key))
                errors[$"filters.{key}"] = [$"'{key}' is not a filter a view can hold; use one of: {string.Join(", ", FilterKeys)}."];
            else
                plain[key] = value;
        }
        if (fields.Count > CustomFieldFilters.MaxFilters)
            errors["filters.field"] = [CustomFieldFilters.TooMany];
        var (request, listErrors) = ListTicketsRequest.FromValues(plain);
        foreach (var (name, message) in listErrors)
            errors[$"filters.{name}"] = [message];
        return (errors.Count == 0 ? new ViewFilters(request!, fields.Count == 0 ? null : fields) : null, errors);
    }

    private const string GroupIdsSql = "SELECT id FROM groups";

    /// <summary>What a view's filters are checked against; the definitions from <paramref name="fields"/> when given (reads).</summary>
    public static async Task<ViewCatalog> CatalogAsync(NpgsqlConnection connection, CancellationToken ct, TicketFieldsCache? fields = null) => new(
        fields is null ? await CustomFieldCatalog.LiveAsync(connection, null, ct) : await fields.LiveAsync(connection, ct),
        (await connection.QueryAsync<Guid>(new CommandDefinition(GroupIdsSql, cancellationToken: ct))).ToHashSet());

    /// <summary>
    /// The list query of a view's filters for this caller, or the problems: a filter that no longer validates, a custom
    /// field that was deleted (or whose type no longer takes the value), a group that was deleted. Never a query that
    /// silently drops the filter.
    /// </summary>
    public static (ListTicketsQuery? Query, Dictionary<string, string[]> Errors) Resolve(
        IReadOnlyDictionary<string, string> stored, ViewCatalog catalog, CurrentUser user)
    {
        var (filters, errors) = Read(stored);
        if (filters is null)
            return (null, errors);
        var query = filters.Request.ToQuery(user);
        if (query.GroupId is { } group && !catalog.Groups.Contains(group))
            errors["filters.group_id"] = ["There is no group with this id (it may have been deleted)."];
        if (filters.FieldFilters is { } fields)
        {
            var (contain, fieldErrors) = CustomFieldFilters.Resolve(fields, catalog.Fields, user.IsStaff);
            foreach (var (name, message) in fieldErrors)
                errors[$"filters.{name}"] = [message];
            query = query with { CustomFieldsContain = contain };
        }
        return (errors.Count == 0 ? query : null, errors);
    }

    /// <summary>The view's list query, or 422 naming the first filter that no longer holds (see <see cref="Resolve"/>).</summary>
    public static async Task<ListTicketsQuery> QueryForAsync(
        NpgsqlConnection connection, TicketFieldsCache fields, ViewResponse view, CurrentUser user, int limit, int offset, CancellationToken ct)
    {
        var (query, errors) = Resolve(view.Filters, await CatalogAsync(connection, ct, fields), user);
        if (query is null)
            throw new UnprocessableException(errors.Keys.First(), Stale(errors));
        return query with { Limit = limit, Offset = offset };
    }

    /// <summary>Why a stored view cannot run, for the 422 and for its entry in the counts.</summary>
    public static string Stale(Dictionary<string, string[]> errors) =>
        $"The view's filters no longer validate: {string.Join(" ", errors.Select(e => $"{e.Key}: {string.Join(" ", e.Value)}"))} Edit the view.";

    private const string LoadSql = $"SELECT {ViewResponse.Columns} FROM ticket_views v WHERE v.id = @Id AND {VisibleTo}";

    public static async Task<ViewResponse> LoadAsync(NpgsqlConnection connection, Guid id, CurrentUser user, CancellationToken ct) =>
        await connection.QuerySingleOrDefaultAsync<ViewResponse>(new CommandDefinition(LoadSql, new { Id = id, UserId = user.Id }, cancellationToken: ct))
        ?? throw new NotFoundException("View not found.");
}

/// <summary>Validates the shape of a view's body; its filters are checked by <see cref="TicketViews.Read"/>.</summary>
public static class ViewRules
{
    public static IRuleBuilderOptions<T, string> ValidViewName<T>(this IRuleBuilder<T, string> rule) =>
        rule.NotEmpty().MaximumLength(100).Must(n => n.Trim().Length > 0).WithMessage("'{PropertyName}' must not be blank.");
}
