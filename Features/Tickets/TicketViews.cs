using System.Globalization;
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
    /// <summary>The GET /tickets query parameters the view applies (status, priority, category, tag, assignee_id, requester_id, group_id, created_after, created_before, sort, order).</summary>
    public Dictionary<string, string> Filters => JsonSerializer.Deserialize<Dictionary<string, string>>(FiltersJson) ?? [];
    [System.Text.Json.Serialization.JsonIgnore] public string FiltersJson { get; init; } = "{}";
    public DateTime CreatedAt { get; init; }
    public DateTime UpdatedAt { get; init; }
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

    /// <summary>The query parameters a view may hold (not q: a text search is not a saved filter; not limit/offset).</summary>
    public static readonly string[] FilterKeys =
        ["status", "priority", "category", "tag", "assignee_id", "requester_id", "group_id", "created_after", "created_before", "sort", "order"];

    private static readonly ListTicketsValidator Validator = new();

    /// <summary>The list request the filters stand for, or the problems with them (field names prefixed filters.).</summary>
    public static (ListTicketsRequest? Request, Dictionary<string, string[]> Errors) Read(IReadOnlyDictionary<string, string> filters)
    {
        var errors = new Dictionary<string, string[]>();
        foreach (var key in filters.Keys.Where(k => !FilterKeys.Contains(k)))
            errors[$"filters.{key}"] = [$"'{key}' is not a filter a view can hold; use one of: {string.Join(", ", FilterKeys)}."];
        Guid? requester = null;
        if (filters.GetValueOrDefault("requester_id") is { } r && !(Guid.TryParse(r, out var rid) && (requester = rid) is not null))
            errors["filters.requester_id"] = ["'requester_id' must be a user id."];
        DateTimeOffset? Date(string key)
        {
            if (filters.GetValueOrDefault(key) is not { } raw)
                return null;
            if (DateTimeOffset.TryParse(raw, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var d))
                return d;
            errors[$"filters.{key}"] = [$"'{key}' must be a date and time."];
            return null;
        }
        var request = new ListTicketsRequest(filters.GetValueOrDefault("status"), filters.GetValueOrDefault("priority"), filters.GetValueOrDefault("category"),
            filters.GetValueOrDefault("tag"), filters.GetValueOrDefault("assignee_id"), requester, Date("created_after"), Date("created_before"),
            filters.GetValueOrDefault("sort"), filters.GetValueOrDefault("order"), null, null, null, filters.GetValueOrDefault("group_id"));
        foreach (var failure in Validator.Validate(request).Errors)
            errors[$"filters.{Infrastructure.Json.JsonSetup.ToSnakeCase(failure.PropertyName)}"] = [failure.ErrorMessage];
        return (errors.Count == 0 ? request : null, errors);
    }

    /// <summary>The stored filters of a view, or 422 when they no longer validate (an older filter, a changed rule).</summary>
    public static ListTicketsQuery QueryFor(ViewResponse view, CurrentUser user, int limit, int offset)
    {
        var (request, errors) = Read(view.Filters);
        if (request is null)
            throw new UnprocessableException(errors.Keys.First(), $"The view's filters no longer validate: {string.Join(" ", errors.SelectMany(e => e.Value))} Edit the view.");
        return request.ToQuery(user) with { Limit = limit, Offset = offset };
    }

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
