using NodaTime;
using NodaTime.Text;
using SupportDesk.Infrastructure.Sla;

namespace SupportDesk.Tests.Infrastructure.Sla;

public sealed class BusinessCalendarTests
{
    private static readonly DateTimeZone Berlin = DateTimeZoneProviders.Tzdb["Europe/Berlin"];
    private static readonly DateTimeZone NewYork = DateTimeZoneProviders.Tzdb["America/New_York"];
    private static readonly LocalDateTimePattern Local = LocalDateTimePattern.CreateWithInvariantCulture("uuuu-MM-dd HH:mm");

    private static IEnumerable<OpenInterval> Weekdays(int startHour, int endHour) =>
        new[] { IsoDayOfWeek.Monday, IsoDayOfWeek.Tuesday, IsoDayOfWeek.Wednesday, IsoDayOfWeek.Thursday, IsoDayOfWeek.Friday }
            .Select(d => new OpenInterval(d, startHour * 60, endHour * 60));

    private static IEnumerable<OpenInterval> AllWeek(int startMinute, int endMinute) =>
        Enum.GetValues<IsoDayOfWeek>().Where(d => d != IsoDayOfWeek.None).Select(d => new OpenInterval(d, startMinute, endMinute));

    private static Instant At(DateTimeZone zone, string local) => zone.AtStrictly(Local.Parse(local).Value).ToInstant();

    private static string InZone(DateTimeZone zone, Instant? instant) =>
        instant is { } i ? Local.Format(i.InZone(zone).LocalDateTime) : "never";

    private static LocalDate Date(string iso) => LocalDatePattern.Iso.Parse(iso).Value;

    public static TheoryData<string, string, int, string, string> OfficeHoursCases => new()
    {
        // zone, created (local), target minutes, expected due (local), why
        { "Europe/Berlin", "2026-11-27 16:30", 120, "2026-11-30 10:30", "Friday 16:30 + 2 h: 30 min on Friday, 90 on Monday" },
        { "Europe/Berlin", "2026-11-27 17:00", 60, "2026-11-30 10:00", "at closing time: nothing left on Friday" },
        { "Europe/Berlin", "2026-11-28 12:00", 30, "2026-11-30 09:30", "opened on a Saturday: the clock starts on Monday" },
        { "Europe/Berlin", "2026-11-30 07:00", 480, "2026-11-30 17:00", "before opening: exactly one working day" },
        { "Europe/Berlin", "2026-11-30 10:00", 480, "2026-12-01 10:00", "8 h spill over into the next morning" },
        { "Europe/Berlin", "2026-11-30 10:00", 0, "2026-11-30 10:00", "a zero duration is due at once" },
        { "Europe/Berlin", "2026-11-30 09:00", 2400, "2026-12-04 17:00", "a whole working week ends on Friday at 17:00" },
        { "Europe/Berlin", "2026-11-30 09:00", 2401, "2026-12-07 09:01", "one minute more is Monday 09:01" },
        // Across DST: the opening hours are wall-clock, so calendar time across the change differs by an hour.
        { "Europe/Berlin", "2026-10-23 16:00", 120, "2026-10-26 10:00", "across the October change (CEST to CET on Sunday 25th)" },
        { "Europe/Berlin", "2026-03-27 16:00", 120, "2026-03-30 10:00", "across the March change (CET to CEST on Sunday 29th)" },
        { "America/New_York", "2026-11-06 16:00", 120, "2026-11-09 10:00", "New York's November change" },
    };

    [Theory]
    [MemberData(nameof(OfficeHoursCases))]
    public void Office_hours_add_up_as_on_the_wall_clock(string zoneId, string created, int minutes, string expected, string why)
    {
        var zone = DateTimeZoneProviders.Tzdb[zoneId];
        var calendar = new BusinessCalendar(zone, Weekdays(9, 17), []);

        var due = calendar.Add(At(zone, created), Duration.FromMinutes(minutes));

        Assert.True(expected == InZone(zone, due), $"{why}: expected {expected}, got {InZone(zone, due)}");
    }

    [Fact]
    public void Across_the_October_change_real_time_is_one_hour_longer_than_the_wall_clock_says()
    {
        var calendar = new BusinessCalendar(Berlin, Weekdays(9, 17), []);
        var created = At(Berlin, "2026-10-23 16:00");

        var due = calendar.Add(created, Duration.FromHours(2))!.Value;

        // Friday 16:00 CEST (UTC 14:00) to Monday 10:00 CET (UTC 09:00).
        Assert.Equal(Instant.FromUtc(2026, 10, 23, 14, 0), created);
        Assert.Equal(Instant.FromUtc(2026, 10, 26, 9, 0), due);
    }

    public static TheoryData<string, int, string, string> RoundTheClockCases => new()
    {
        // Open 00:00–24:00 every day in Berlin: business time is real elapsed time, including the DST days.
        { "2026-03-29 00:00", 24 * 60, "2026-03-30 01:00", "the March day has 23 real hours: 24 h later is 01:00 next day" },
        { "2026-10-25 00:00", 24 * 60, "2026-10-25 23:00", "the October day has 25 real hours" },
        { "2026-03-29 01:30", 60, "2026-03-29 03:30", "02:00–03:00 does not exist in March" },
    };

    [Theory]
    [MemberData(nameof(RoundTheClockCases))]
    public void Round_the_clock_schedules_count_real_time(string created, int minutes, string expected, string why)
    {
        var calendar = new BusinessCalendar(Berlin, AllWeek(0, 1440), []);

        var due = calendar.Add(At(Berlin, created), Duration.FromMinutes(minutes));

        Assert.True(expected == InZone(Berlin, due), $"{why}: expected {expected}, got {InZone(Berlin, due)}");
    }

    public static TheoryData<string, int, string, string> NightShiftCases => new()
    {
        // Open Friday 22:00–24:00 and Saturday 00:00–06:00: one stretch across midnight.
        { "2026-11-27 23:00", 120, "2026-11-28 01:00", "two hours straight across midnight" },
        { "2026-11-27 12:00", 120, "2026-11-28 00:00", "the first two hours end exactly at midnight" },
        { "2026-11-28 05:00", 120, "2026-12-04 23:00", "an hour left on Saturday, the rest next Friday night" },
        { "2026-11-28 00:30", 30, "2026-11-28 01:00", "created after midnight, inside Saturday's part" },
    };

    [Theory]
    [MemberData(nameof(NightShiftCases))]
    public void Openings_that_meet_at_midnight_run_on(string created, int minutes, string expected, string why)
    {
        var calendar = new BusinessCalendar(Berlin,
            [new OpenInterval(IsoDayOfWeek.Friday, 22 * 60, 1440), new OpenInterval(IsoDayOfWeek.Saturday, 0, 6 * 60)], []);

        var due = calendar.Add(At(Berlin, created), Duration.FromMinutes(minutes));

        Assert.True(expected == InZone(Berlin, due), $"{why}: expected {expected}, got {InZone(Berlin, due)}");
    }

    [Fact]
    public void Several_openings_a_day_skip_the_lunch_break()
    {
        var calendar = new BusinessCalendar(Berlin,
            [new OpenInterval(IsoDayOfWeek.Monday, 9 * 60, 12 * 60), new OpenInterval(IsoDayOfWeek.Monday, 13 * 60, 17 * 60)], []);

        var due = calendar.Add(At(Berlin, "2026-11-30 11:00"), Duration.FromMinutes(90));

        Assert.Equal("2026-11-30 13:30", InZone(Berlin, due));
    }

    public static TheoryData<string, int, string[], string, string> HolidayCases => new()
    {
        { "2026-12-23 16:00", 120, ["2026-12-24", "2026-12-25"], "2026-12-28 10:00", "Christmas Eve and Day closed, then the weekend" },
        { "2026-12-31 16:30", 60, ["2027-01-01"], "2027-01-04 09:30", "New Year's Day on a Friday" },
        { "2026-12-24 10:00", 60, ["2026-12-24"], "2026-12-25 10:00", "created on a holiday: Friday 25th is open from 09:00" },
    };

    [Theory]
    [MemberData(nameof(HolidayCases))]
    public void Holidays_close_their_whole_date(string created, int minutes, string[] holidays, string expected, string why)
    {
        var calendar = new BusinessCalendar(Berlin, Weekdays(9, 17), holidays.Select(Date));

        var due = calendar.Add(At(Berlin, created), Duration.FromMinutes(minutes));

        Assert.True(expected == InZone(Berlin, due), $"{why}: expected {expected}, got {InZone(Berlin, due)}");
    }

    [Fact]
    public void A_week_without_any_open_hour_is_never_due()
    {
        var none = new BusinessCalendar(Berlin, [], []);
        var zeroLength = new BusinessCalendar(Berlin, [new OpenInterval(IsoDayOfWeek.Monday, 600, 600)], []);
        var start = At(Berlin, "2026-11-30 10:00");

        Assert.Null(none.Add(start, Duration.FromMinutes(1)));
        Assert.Null(zeroLength.Add(start, Duration.FromMinutes(1)));
        Assert.Equal(Duration.Zero, none.Between(start, start + Duration.FromDays(30)));
    }

    [Fact]
    public void Open_time_between_two_instants_is_the_inverse_of_adding()
    {
        var calendar = new BusinessCalendar(Berlin, Weekdays(9, 17), [Date("2026-12-24")]);
        var start = At(Berlin, "2026-10-23 16:00");

        foreach (var minutes in new[] { 1, 59, 60, 120, 479, 480, 481, 2400, 9999 })
        {
            var due = calendar.Add(start, Duration.FromMinutes(minutes))!.Value;
            Assert.Equal(Duration.FromMinutes(minutes), calendar.Between(start, due));
        }
        Assert.Equal(Duration.FromMinutes(90), calendar.Between(At(Berlin, "2026-11-27 16:30"), At(Berlin, "2026-11-30 10:00")));
        Assert.Equal(Duration.Zero, calendar.Between(At(Berlin, "2026-11-28 10:00"), At(Berlin, "2026-11-27 10:00")));
    }

    [Fact]
    public void New_York_and_Berlin_change_on_different_weekends()
    {
        // Between the European (Oct 25) and American (Nov 1) changes New York is 5 h behind Berlin, not 6.
        var ny = new BusinessCalendar(NewYork, Weekdays(9, 17), []);

        var due = ny.Add(At(NewYork, "2026-10-30 16:00"), Duration.FromHours(2))!.Value;

        Assert.Equal("2026-11-02 10:00", InZone(NewYork, due));
        Assert.Equal(Instant.FromUtc(2026, 11, 2, 15, 0), due);
    }
}
