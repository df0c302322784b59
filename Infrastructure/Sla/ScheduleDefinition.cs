using System.Globalization;
using NodaTime;

namespace SupportDesk.Infrastructure.Sla;

/// <summary>One weekly opening as sent and stored: a weekday ("monday") and local times "HH:mm" (end may be "24:00").</summary>
public sealed record ScheduleInterval(string Day = "", string Start = "", string End = "");

/// <summary>A closed date, or closed dates from..to inclusive (to omitted: one day).</summary>
public sealed record ScheduleHoliday(DateOnly From, DateOnly? To = null, string? Name = null);

/// <summary>How schedules are read from their stored form (jsonb) into calendars, and the checks their parts must pass.</summary>
public static class ScheduleDefinition
{
    public static readonly string[] Days = ["monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"];

    public static DateTimeZone? Zone(string? id) => id is null ? null : DateTimeZoneProviders.Tzdb.GetZoneOrNull(id);

    /// <summary>"09:30" → 570, "24:00" → 1440; null when it is not a time of day.</summary>
    public static int? Minute(string? text)
    {
        if (text is null || text.Length != 5 || text[2] != ':')
            return null;
        if (!int.TryParse(text.AsSpan(0, 2), NumberStyles.None, CultureInfo.InvariantCulture, out var h)
            || !int.TryParse(text.AsSpan(3, 2), NumberStyles.None, CultureInfo.InvariantCulture, out var m))
            return null;
        if (h == 24 && m == 0)
            return 1440;
        return h is >= 0 and < 24 && m is >= 0 and < 60 ? h * 60 + m : null;
    }

    public static IsoDayOfWeek Day(string day) => (IsoDayOfWeek)(Array.IndexOf(Days, day) + 1);

    public static OpenInterval ToOpenInterval(ScheduleInterval i) => new(Day(i.Day), Minute(i.Start)!.Value, Minute(i.End)!.Value);

    /// <summary>Index of the first interval that overlaps an earlier one on the same day, or -1.</summary>
    public static int FirstOverlap(IReadOnlyList<ScheduleInterval> intervals)
    {
        var parsed = intervals.Select((i, index) => (i.Day, Start: Minute(i.Start), End: Minute(i.End), index)).ToList();
        for (var a = 0; a < parsed.Count; a++)
            for (var b = 0; b < a; b++)
                if (parsed[a].Day == parsed[b].Day && parsed[a].Start < parsed[b].End && parsed[b].Start < parsed[a].End)
                    return a;
        return -1;
    }

    public static IEnumerable<LocalDate> HolidayDates(IEnumerable<ScheduleHoliday> holidays) =>
        holidays.SelectMany(h =>
        {
            var from = LocalDate.FromDateOnly(h.From);
            var to = LocalDate.FromDateOnly(h.To ?? h.From);
            return Enumerable.Range(0, Math.Max(0, Period.Between(from, to, PeriodUnits.Days).Days + 1)).Select(d => from.PlusDays(d));
        });

    public static BusinessCalendar Calendar(string timeZone, IEnumerable<ScheduleInterval> intervals, IEnumerable<ScheduleHoliday> holidays) =>
        new(Zone(timeZone) ?? throw new InvalidOperationException($"Stored schedule has an unknown time zone {timeZone}."),
            intervals.Select(ToOpenInterval), HolidayDates(holidays));

    /// <summary>A calendar from the stored columns (time zone, intervals and holidays as jsonb text).</summary>
    public static BusinessCalendar FromStored(string timeZone, string intervalsJson, string holidaysJson) =>
        Calendar(timeZone, ReadIntervals(intervalsJson), ReadHolidays(holidaysJson));

    public static ScheduleInterval[] ReadIntervals(string json) => SlaJson.Read<ScheduleInterval[]>(json) ?? [];

    public static ScheduleHoliday[] ReadHolidays(string json) => SlaJson.Read<ScheduleHoliday[]>(json) ?? [];

    public static string Write<T>(T value) => SlaJson.Write(value);
}
