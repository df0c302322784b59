using System.Globalization;
using System.Text;
using FluentValidation;
using Microsoft.AspNetCore.Mvc;
using SupportDesk.Features.Tickets;
using SupportDesk.Infrastructure.OpenApi;

namespace SupportDesk.Features.Reports;

/// <summary>
/// The query string every report takes: a period [from, to) (default: the 30 days up to now, at most 366 days), and
/// optional priority, category and assignee filters; format=csv answers text/csv instead of JSON.
/// </summary>
public sealed record ReportRequest(
    DateTimeOffset? From,
    DateTimeOffset? To,
    [OpenApiEnum(typeof(TicketPriority))] string? Priority,
    string? Category,
    [FromQuery(Name = "assignee_id")] Guid? AssigneeId,
    [OpenApiEnum("json", "csv")] string? Format);

public sealed class ReportRequestValidator : AbstractValidator<ReportRequest>
{
    public const int MaxDays = 366;

    public ReportRequestValidator()
    {
        RuleFor(r => r.Priority).Must(p => p is null || TicketValues.Priorities.Contains(p))
            .WithMessage($"'priority' must be one of: {string.Join(", ", TicketValues.Priorities)}.");
        RuleFor(r => r.Category).MaximumLength(TicketFieldRules.MaxCategory);
        RuleFor(r => r.Format).Must(f => f is null or "json" or "csv").WithMessage("'format' must be json or csv.");
        RuleFor(r => r.To).Must((r, to) => ReportFilter.From(r).Period.From < ReportFilter.From(r).Period.To)
            .WithMessage("'to' must be later than 'from'.")
            .Must((r, to) => (ReportFilter.From(r).Period.To - ReportFilter.From(r).Period.From).TotalDays <= MaxDays)
            .WithMessage($"A report covers at most {MaxDays} days.");
    }
}

/// <summary>The filters as the report SQL takes them.</summary>
public sealed record ReportFilter(DateTime FromUtc, DateTime ToUtc, string? Priority, string? Category, Guid? AssigneeId, bool Csv)
{
    public (DateTime From, DateTime To) Period => (FromUtc, ToUtc);

    public static ReportFilter From(ReportRequest r, DateTime? now = null)
    {
        var to = r.To?.UtcDateTime ?? now ?? DateTime.UtcNow;
        var from = r.From?.UtcDateTime ?? to.AddDays(-30);
        return new ReportFilter(from, to, r.Priority, r.Category?.Trim(), r.AssigneeId, r.Format == "csv");
    }

    /// <summary>" AND …" for the filters that are set, on a table alias with priority, category and assignee_id columns.</summary>
    public string Where(string alias)
    {
        var sql = new StringBuilder();
        if (Priority is not null) sql.Append($" AND {alias}.priority = @Priority");
        if (Category is not null) sql.Append($" AND {alias}.category = @Category");
        if (AssigneeId is not null) sql.Append($" AND {alias}.assignee_id = @AssigneeId");
        return sql.ToString();
    }

    public object Parameters => new { From = FromUtc, To = ToUtc, Priority, Category, AssigneeId };
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
