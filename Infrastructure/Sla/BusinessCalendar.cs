using NodaTime;

namespace SupportDesk.Infrastructure.Sla;

/// <summary>One weekly opening: a weekday and minutes after its local midnight; End may be 1440 (the next midnight).</summary>
public sealed record OpenInterval(IsoDayOfWeek Day, int StartMinute, int EndMinute);

/// <summary>
/// Business-hours arithmetic for one schedule. Openings are local wall-clock times in the schedule's zone, turned
/// into instants day by day, so a DST change makes that day's opening an hour shorter or longer in real time, as it
/// is for the people working it. A holiday closes its whole local date. Intervals ending at 24:00 and starting at
/// 00:00 the next day are one continuous stretch across midnight.
/// </summary>
public sealed class BusinessCalendar
{
    /// <summary>How far ahead the arithmetic looks before saying "never": beyond any target the policies allow.</summary>
    public const int HorizonDays = 366 * 120;

    private readonly DateTimeZone zone;
    private readonly OpenInterval[][] byDay = new OpenInterval[8][]; // indexed by IsoDayOfWeek (1..7)
    private readonly HashSet<LocalDate> holidays;
    private readonly bool everOpen;

    public BusinessCalendar(DateTimeZone zone, IEnumerable<OpenInterval> intervals, IEnumerable<LocalDate> holidays)
    {
        this.zone = zone;
        var all = intervals.ToList();
        foreach (var day in Enum.GetValues<IsoDayOfWeek>().Where(d => d != IsoDayOfWeek.None))
            byDay[(int)day] = all.Where(i => i.Day == day && i.EndMinute > i.StartMinute).OrderBy(i => i.StartMinute).ToArray();
        this.holidays = holidays.ToHashSet();
        everOpen = all.Any(i => i.EndMinute > i.StartMinute);
    }

    /// <summary>The instant when <paramref name="duration"/> of open time has passed after <paramref name="start"/>; null if it never does.</summary>
    public Instant? Add(Instant start, Duration duration)
    {
        if (duration <= Duration.Zero)
            return start;
        if (!everOpen)
            return null;
        var remaining = duration;
        foreach (var (open, close) in OpenStretches(start))
        {
            var from = open < start ? start : open;
            var available = close - from;
            if (available >= remaining)
                return from + remaining;
            remaining -= available;
        }
        return null;
    }

    /// <summary>Open time between two instants (zero when <paramref name="to"/> is not after <paramref name="from"/>).</summary>
    public Duration Between(Instant from, Instant to)
    {
        var total = Duration.Zero;
        if (to <= from || !everOpen)
            return total;
        foreach (var (open, close) in OpenStretches(from))
        {
            if (open >= to)
                break;
            var s = open < from ? from : open;
            var e = close > to ? to : close;
            if (e > s)
                total += e - s;
        }
        return total;
    }

    /// <summary>The open stretches, as instants, from the local date that holds <paramref name="from"/> onward (ending after it).</summary>
    private IEnumerable<(Instant Open, Instant Close)> OpenStretches(Instant from)
    {
        // A day earlier: with an opening ending at 24:00 the local date of 'from' may already be the next one.
        var date = from.InZone(zone).Date.PlusDays(-1);
        for (var i = 0; i < HorizonDays; i++, date = date.PlusDays(1))
        {
            if (holidays.Contains(date))
                continue;
            foreach (var interval in byDay[(int)date.DayOfWeek])
            {
                var open = ToInstant(date, interval.StartMinute);
                var close = ToInstant(date, interval.EndMinute);
                if (close > from && close > open)
                    yield return (open, close);
            }
        }
    }

    // Lenient: a wall time in a DST gap moves forward by the gap; an ambiguous one takes the earlier instant.
    private Instant ToInstant(LocalDate date, int minute) =>
        minute >= 1440
            ? date.PlusDays(1).AtStartOfDayInZone(zone).ToInstant()
            : zone.AtLeniently(date.At(LocalTime.FromMinutesSinceMidnight(minute))).ToInstant();
}
