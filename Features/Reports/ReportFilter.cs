using System.Globalization;
using System.Text;
using Dapper;
using FluentValidation;
using Microsoft.AspNetCore.Mvc;
using Npgsql;
using SupportDesk.Features.Tickets;
using SupportDesk.Infrastructure.Auth;
using SupportDesk.Infrastructure.OpenApi;

namespace SupportDesk.Features.Reports;

/// <summary>
/// The query string every report takes: a period [from, to) (default: the 30 days up to now, at most 366 days), and
/// optional priority, category, assignee, group and (requester's) organization filters; format=csv answers text/csv
/// instead of JSON.
/// </summary>
public sealed record ReportRequest(
    DateTimeOffset? From,
    DateTimeOffset? To,
    [OpenApiEnum(typeof(TicketPriority))] string? Priority,
    string? Category,
    [FromQuery(Name = "assignee_id")] string? AssigneeId,
    [FromQuery(Name = "group_id")] string? GroupId,
    [FromQuery(Name = "organization_id")] string? OrganizationId,
    [OpenApiEnum("json", "csv")] string? Format);

public sealed class ReportRequestValidator : AbstractValidator<ReportRequest>
{
    public const int MaxDays = 366;

    public ReportRequestValidator()
    {
        RuleFor(r => r.Priority).Must(p => p is null || TicketValues.Priorities.Contains(p))
            .WithMessage($"'priority' must be one of: {string.Join(", ", TicketValues.Priorities)}.");
        RuleFor(r => r.Category).MaximumLength(TicketFieldRules.MaxCategory);
        RuleFor(r => r.AssigneeId).Must(BeAnId).WithMessage("'assignee_id' must be a user id.");
        RuleFor(r => r.GroupId).Must(BeAnId).WithMessage("'group_id' must be a group id.");
        RuleFor(r => r.OrganizationId).Must(BeAnId).WithMessage("'organization_id' must be an organization id.");
        RuleFor(r => r.Format).Must(f => f is null or "json" or "csv").WithMessage("'format' must be json or csv.");
        RuleFor(r => r.To).Must((r, to) => Period(r).From < Period(r).To)
            .WithMessage("'to' must be later than 'from'.")
            .Must((r, to) => (Period(r).To - Period(r).From).TotalDays <= MaxDays)
            .WithMessage($"A report covers at most {MaxDays} days.");
    }

    private static bool BeAnId(string? value) => value is null || (Guid.TryParse(value, out var id) && id != Guid.Empty);

    private static (DateTime From, DateTime To) Period(ReportRequest r) => ReportFilter.PeriodOf(r, DateTime.UtcNow);
}

/// <summary>
/// The filters as the report SQL takes them. Priority, category and assignee are columns of the SLA facts (as
/// recorded) and of the tickets; group, organization and the caller's visibility are the tickets' as they are now.
/// RestrictedAgentId is the caller when an admin restricted them to their groups: the reports then count only the
/// tickets <see cref="TicketVisibility.RestrictedInGroupsListedTo"/> lets them see, with the groups the agent is in
/// when the report runs (<see cref="ResolveAsync"/>). The organization filter, likewise, takes the organization's
/// members as they are when the report runs.
/// </summary>
public sealed record ReportFilter(
    DateTime FromUtc, DateTime ToUtc, string? Priority, string? Category, Guid? AssigneeId, bool Csv,
    Guid? GroupId = null, Guid? OrganizationId = null, Guid? RestrictedAgentId = null, Guid[]? RestrictedGroups = null, Guid[]? OrganizationMembers = null)
{
    /// <summary>
    /// This filter with the sets its SQL takes as arrays read on <paramref name="connection"/>: a restricted agent's groups,
    /// the organization's members. Given an array the planner knows how many tickets it selects; given the subquery it
    /// guessed, and for a month near now scanned every ticket for one organization's (360 ms against 110).
    /// </summary>
    public async Task<ReportFilter> ResolveAsync(NpgsqlConnection connection, NpgsqlTransaction? transaction, CancellationToken ct)
    {
        var resolved = this;
        if (RestrictedAgentId is { } agent)
            resolved = resolved with { RestrictedGroups = await TicketVisibility.GroupsAsync(connection, transaction, agent, ct) };
        if (OrganizationId is { } organization)
            resolved = resolved with
            {
                OrganizationMembers = (await connection.QueryAsync<Guid>(new CommandDefinition(
                    "SELECT u.id FROM users u WHERE u.organization_id = @Organization", new { Organization = organization }, transaction, cancellationToken: ct))).ToArray(),
            };
        return resolved;
    }

    public (DateTime From, DateTime To) Period => (FromUtc, ToUtc);

    internal static (DateTime From, DateTime To) PeriodOf(ReportRequest r, DateTime now)
    {
        var to = r.To?.UtcDateTime ?? now;
        return (r.From?.UtcDateTime ?? to.AddDays(-30), to);
    }

    public static ReportFilter From(ReportRequest r, CurrentUser user, DateTime? now = null)
    {
        var (from, to) = PeriodOf(r, now ?? DateTime.UtcNow);
        return new ReportFilter(from, to, r.Priority, r.Category?.Trim(), Id(r.AssigneeId), r.Format == "csv",
            Id(r.GroupId), Id(r.OrganizationId), user.SeesAllTickets ? null : user.Id);
    }

    private static Guid? Id(string? value) => value is null ? null : Guid.Parse(value);

    /// <summary>Whether a condition on the ticket as it is now applies (group, organization, the caller's visibility).</summary>
    public bool OnTickets => GroupId is not null || OrganizationId is not null || RestrictedAgentId is not null;

    /// <summary>" AND …" for the filters on columns both tables have (priority, category, assignee_id), on alias <paramref name="alias"/>.</summary>
    public string Where(string alias)
    {
        var sql = new StringBuilder();
        if (Priority is not null) sql.Append($" AND {alias}.priority = @Priority");
        if (Category is not null) sql.Append($" AND {alias}.category = @Category");
        if (AssigneeId is not null) sql.Append($" AND {alias}.assignee_id = @AssigneeId");
        return sql.ToString();
    }

    /// <summary>" AND …" for the group and organization filters, on alias t (a tickets row).</summary>
    private string WhereGroupAndOrganization()
    {
        var sql = new StringBuilder();
        if (GroupId is not null) sql.Append(" AND t.group_id = @GroupId");
        if (OrganizationId is not null) sql.Append(" AND t.requester_id = ANY(@OrganizationMembers)");
        return sql.ToString();
    }

    /// <summary>All the filters on a tickets row t (the volume report), the caller's visibility included.</summary>
    public string WhereTickets() => Where("t") + WhereGroupAndOrganization()
        + (RestrictedAgentId is not null ? $" AND {TicketVisibility.RestrictedInGroupsListedTo}" : "");

    /// <summary>
    /// " AND …" for SLA facts e: the recorded columns, and when a ticket condition applies, the fact's ticket must be a
    /// live ticket that meets it now (a fact comes after its ticket was created, so tickets created after the period
    /// are left out). For a restricted agent, the tickets they may see, each way in on its own index.
    /// </summary>
    public string WhereFacts()
    {
        if (!OnTickets)
            return Where("e");
        var tickets = " AND t.created_at < @To" + WhereGroupAndOrganization();
        var ids = RestrictedAgentId is not null
            ? TicketVisibility.RestrictedTicketIds(tickets)
            : $"SELECT t.id FROM tickets t WHERE t.deleted_at IS NULL{tickets}";
        return $"{Where("e")} AND e.ticket_id IN ({ids})";
    }

    /// <summary>
    /// A report reads in one read-only snapshot (the volume report's backlog and days then agree), planned for what it
    /// is (bench/README.md, reports): room to sort a month of facts in memory (at the default 4 MB the percentiles of
    /// 80,000 durations spilled to disk); no JIT, whose compile took 190–230 ms of the volume report's 220–310 because the
    /// day series inflates the estimated cost; and, for a restricted agent, no nested loop: the planner cannot tell how
    /// many distinct tickets the three ways in give (it assumes 200) and probed the facts once per ticket, 53,000 times;
    /// nor parallel workers, each of which built its own copy of the visible tickets' hash (86–94 ms serial against
    /// 95–109 with two workers on two cores).
    /// </summary>
    public async Task<NpgsqlTransaction> BeginReadAsync(NpgsqlConnection connection, CancellationToken ct)
    {
        var transaction = await connection.BeginTransactionAsync(System.Data.IsolationLevel.RepeatableRead, ct);
        var settings = RestrictedAgentId is null ? Settings : Settings + "; SET LOCAL enable_nestloop = off; SET LOCAL max_parallel_workers_per_gather = 0";
        await connection.ExecuteAsync(new CommandDefinition(settings, transaction: transaction, cancellationToken: ct));
        return transaction;
    }

    private const string Settings = "SET TRANSACTION READ ONLY; SET LOCAL work_mem = '32MB'; SET LOCAL jit = off";

    /// <summary>The SQL's parameters; only of a resolved filter (<see cref="ResolveAsync"/>), so a set left unread never reads as empty.</summary>
    public object Parameters => new
    {
        From = FromUtc, To = ToUtc, Priority, Category, AssigneeId, GroupId, OrganizationId, UserId = RestrictedAgentId,
        Groups = RestrictedAgentId is null ? [] : RestrictedGroups ?? throw Unresolved(),
        OrganizationMembers = OrganizationId is null ? [] : OrganizationMembers ?? throw Unresolved(),
    };

    private static InvalidOperationException Unresolved() => new("The report filter was not resolved (ResolveAsync) before its SQL ran.");
}

/// <summary>CSV as RFC 4180 writes it: a header line, then one line per row; fields quoted when they need it.</summary>
public static class Csv
{
    public static string Write(IReadOnlyList<string> header, IEnumerable<IReadOnlyList<object?>> rows)
    {
        var text = new StringBuilder();
        text.AppendJoin(',', header.Select(Field)).Append("\r\n");
        foreach (var row in rows)
            text.AppendJoin(',', row.Select(v => Field(v switch
            {
                null => "",
                double d => d.ToString("0.##", CultureInfo.InvariantCulture),
                DateTime dt => dt.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture),
                IFormattable f => f.ToString(null, CultureInfo.InvariantCulture),
                _ => v.ToString() ?? "",
            }))).Append("\r\n");
        return text.ToString();
    }

    // A leading = + - @ would run as a formula in a spreadsheet: quoted and prefixed, as OWASP suggests.
    private static string Field(string value)
    {
        if (value.Length > 0 && "=+-@".Contains(value[0]) && !double.TryParse(value, NumberStyles.Float, CultureInfo.InvariantCulture, out _))
            value = "'" + value;
        return value.IndexOfAny([',', '"', '\r', '\n']) >= 0 || value.StartsWith('\'') ? $"\"{value.Replace("\"", "\"\"")}\"" : value;
    }
}
