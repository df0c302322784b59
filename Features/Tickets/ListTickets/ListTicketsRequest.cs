using System.Globalization;
using System.Reflection;
using FluentValidation;
using Microsoft.AspNetCore.Mvc;
using SupportDesk.Infrastructure.Http;
using SupportDesk.Infrastructure.OpenApi;
using SupportDesk.Infrastructure.Search;

namespace SupportDesk.Features.Tickets.ListTickets;

/// <summary>Query string of GET /tickets. status and priority take one value or a comma-separated list.</summary>
public sealed record ListTicketsRequest(
    [OpenApiEnum(typeof(TicketStatus), CommaList = true)] string? Status,
    [OpenApiEnum(typeof(TicketPriority), CommaList = true)] string? Priority,
    string? Category,
    string? Tag,
    [FromQuery(Name = "assignee_id")] string? AssigneeId,
    [FromQuery(Name = "requester_id")] Guid? RequesterId,
    [FromQuery(Name = "created_after")] DateTimeOffset? CreatedAfter,
    [FromQuery(Name = "created_before")] DateTimeOffset? CreatedBefore,
    [OpenApiEnum("created_at", "updated_at", "priority", "sla_due_at")] string? Sort,
    [OpenApiEnum("desc", "asc")] string? Order,
    int? Limit,
    int? Offset,
    string? Q,
    [FromQuery(Name = "group_id")] string? GroupId = null,
    [FromQuery(Name = "sla_breached")] bool? SlaBreached = null,
    [FromQuery(Name = "sla_due_before")] DateTimeOffset? SlaDueBefore = null)
{
    public static readonly string[] SortFields = ["created_at", "updated_at", "priority", "sla_due_at"];

    /// <summary>The query for this (validated) request; saved views build theirs the same way.</summary>
    public ListTicketsQuery ToQuery(Infrastructure.Auth.CurrentUser user) => new(
        user,
        SplitList(Status),
        SplitList(Priority),
        Category,
        Tag?.Trim().ToLowerInvariant(),
        AssigneeId switch
        {
            null => AssigneeFilter.Any,
            "none" => AssigneeFilter.None,
            "me" => AssigneeFilter.Is(user.Id),
            var raw => AssigneeFilter.Is(Guid.Parse(raw)),
        },
        RequesterId,
        CreatedAfter?.UtcDateTime,
        CreatedBefore?.UtcDateTime,
        Sort ?? "created_at",
        // The agents' queue: nearest due first, unless asked otherwise.
        Order ?? (Sort == "sla_due_at" ? "asc" : "desc"),
        Limit ?? Paging.DefaultLimit,
        Offset ?? 0,
        Q,
        GroupId is null or "none" ? null : Guid.Parse(GroupId),
        GroupId == "none",
        SlaBreached: SlaBreached,
        SlaDueBefore: SlaDueBefore?.UtcDateTime);

    /// <summary>
    /// Every query parameter of GET /tickets but field.&lt;key&gt;, by name, with the constructor parameter it binds to:
    /// the one list of the route's filters, which saved views read through <see cref="FromValues"/>.
    /// </summary>
    public static readonly IReadOnlyDictionary<string, ParameterInfo> Parameters = typeof(ListTicketsRequest).GetConstructors().Single()
        .GetParameters()
        .ToDictionary(p => p.GetCustomAttribute<FromQueryAttribute>()?.Name ?? Infrastructure.Json.JsonSetup.ToSnakeCase(p.Name!), p => p, StringComparer.Ordinal);

    /// <summary>
    /// The request these parameter values stand for, parsed as the query string binder parses them (names from
    /// <see cref="Parameters"/>), or the problems by parameter name; the validator then runs on the request as on the route.
    /// </summary>
    public static (ListTicketsRequest? Request, Dictionary<string, string> Errors) FromValues(IReadOnlyDictionary<string, string> values)
    {
        var errors = new Dictionary<string, string>(StringComparer.Ordinal);
        var arguments = new object?[Parameters.Count];
        foreach (var (name, parameter) in Parameters)
        {
            if (!values.TryGetValue(name, out var raw))
            {
                arguments[parameter.Position] = parameter.HasDefaultValue ? parameter.DefaultValue : null;
                continue;
            }
            var type = Nullable.GetUnderlyingType(parameter.ParameterType) ?? parameter.ParameterType;
            (object? Value, string Kind) parsed = type switch
            {
                _ when type == typeof(string) => (raw, "text"),
                _ when type == typeof(Guid) => (Guid.TryParse(raw, out var g) ? g : null, "an id"),
                _ when type == typeof(int) => (int.TryParse(raw, NumberStyles.Integer, CultureInfo.InvariantCulture, out var i) ? i : null, "a whole number"),
                _ when type == typeof(bool) => (bool.TryParse(raw, out var b) ? b : null, "true or false"),
                _ when type == typeof(DateTimeOffset) => (DateTimeOffset.TryParse(raw, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var d) ? d : null,
                    "a date and time"),
                _ => throw new InvalidOperationException($"GET /tickets parameter '{name}' has a type views cannot read ({type.Name})."),
            };
            if (parsed.Value is null)
                errors[name] = $"'{name}' must be {parsed.Kind}.";
            arguments[parameter.Position] = parsed.Value;
        }
        if (errors.Count > 0)
            return (null, errors);
        var request = (ListTicketsRequest)typeof(ListTicketsRequest).GetConstructors().Single().Invoke(arguments);
        foreach (var failure in Validator.Validate(request).Errors)
            errors.TryAdd(Infrastructure.Json.JsonSetup.ToSnakeCase(failure.PropertyName), failure.ErrorMessage);
        return (errors.Count == 0 ? request : null, errors);
    }

    private static readonly ListTicketsValidator Validator = new();

    public static string[]? SplitList(string? value) =>
        value is null ? null : value.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
}

public sealed class ListTicketsValidator : AbstractValidator<ListTicketsRequest>
{
    public ListTicketsValidator()
    {
        RuleFor(r => r.Status)
            .Must(v => v is null || (ListTicketsRequest.SplitList(v) is { Length: > 0 } values && values.All(TicketValues.Statuses.Contains)))
            .WithMessage($"'status' must be one or more of: {string.Join(", ", TicketValues.Statuses)}.");
        RuleFor(r => r.Priority)
            .Must(v => v is null || (ListTicketsRequest.SplitList(v) is { Length: > 0 } values && values.All(TicketValues.Priorities.Contains)))
            .WithMessage($"'priority' must be one or more of: {string.Join(", ", TicketValues.Priorities)}.");
        RuleFor(r => r.Category).MaximumLength(TicketFieldRules.MaxCategory);
        RuleFor(r => r.Tag).MaximumLength(TicketFieldRules.MaxTagLength);
        RuleFor(r => r.AssigneeId)
            .Must(v => v is null || v is "me" or "none" || Guid.TryParse(v, out _))
            .WithMessage("'assignee_id' must be a user id, 'me' or 'none'.");
        RuleFor(r => r.GroupId)
            .Must(v => v is null || v is "none" || (Guid.TryParse(v, out var id) && id != Guid.Empty))
            .WithMessage("'group_id' must be a group id or 'none'.");
        RuleFor(r => r.Sort)
            .Must(v => v is null || ListTicketsRequest.SortFields.Contains(v))
            .WithMessage($"'sort' must be one of: {string.Join(", ", ListTicketsRequest.SortFields)}.");
        RuleFor(r => r.Order)
            .Must(v => v is null or "asc" or "desc")
            .WithMessage("'order' must be asc or desc.");
        RuleFor(r => r.Q).ValidSearchQuery().When(r => r.Q is not null);
        RuleFor(r => r.Limit).InclusiveBetween(1, Paging.MaxLimit);
        RuleFor(r => r.Offset).InclusiveBetween(0, Paging.MaxOffset);
        RuleFor(r => r)
            .Must(r => r.CreatedAfter is null || r.CreatedBefore is null || r.CreatedAfter < r.CreatedBefore)
            .OverridePropertyName("created_before")
            .WithMessage("'created_before' must be later than 'created_after'.");
    }
}
