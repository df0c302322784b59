using Npgsql;
using SupportDesk.Infrastructure.Database;
using SupportDesk.Infrastructure.Errors;
using SupportDesk.Infrastructure.Sla;

namespace SupportDesk.Features.Sla;

/// <summary>What a schedule must be before it is stored; shared by create and replace.</summary>
public static class ScheduleRules
{
    public const int MaxName = 200;
    public const int MaxIntervals = 100;
    public const int MaxHolidays = 500;
    public const int MaxHolidayRangeDays = 366;
    public const int MaxHolidayName = 200;

    public static bool AllParse(ScheduleInterval[] intervals) =>
        intervals.All(i => ScheduleDefinition.Days.Contains(i.Day) && ScheduleDefinition.Minute(i.Start) is { } s && ScheduleDefinition.Minute(i.End) > s);

    /// <summary>The stored form: openings sorted by day and time, holidays by date.</summary>
    public static (string Intervals, string Holidays) Stored(ScheduleInterval[] intervals, ScheduleHoliday[]? holidays) => (
        ScheduleDefinition.Write(intervals.OrderBy(i => Array.IndexOf(ScheduleDefinition.Days, i.Day)).ThenBy(i => i.Start, StringComparer.Ordinal).ToArray()),
        ScheduleDefinition.Write((holidays ?? []).Select(h => h with { Name = h.Name?.Trim() }).OrderBy(h => h.From).ToArray()));

    /// <summary>The unique name index, as a problem naming the field.</summary>
    public static FieldConflictException? NameTaken(PostgresException e) =>
        e.SqlState == PostgresErrors.UniqueViolation && e.ConstraintName == "ux_sla_schedules_name"
            ? new FieldConflictException("name", "Another schedule already has this name.")
            : null;
}
