using SupportDesk.Infrastructure.Sla;

namespace SupportDesk.Features.Sla;

/// <summary>A business-hours schedule as every schedule route shows it.</summary>
public sealed class ScheduleResponse
{
    public Guid Id { get; init; }
    public string Name { get; init; } = "";
    /// <summary>IANA time zone the openings are local to, e.g. Europe/Berlin.</summary>
    public string TimeZone { get; init; } = "";
    public IReadOnlyList<ScheduleInterval> Intervals { get; init; } = [];
    public IReadOnlyList<ScheduleHoliday> Holidays { get; init; } = [];
    public int Version { get; init; }
    public DateTime CreatedAt { get; init; }
    public DateTime UpdatedAt { get; init; }
}

/// <summary>The stored row (openings and holidays as jsonb text) and its conversion to the response.</summary>
public sealed record ScheduleRow(Guid Id, string Name, string TimeZone, string Intervals, string Holidays, int Version, DateTime CreatedAt, DateTime UpdatedAt)
{
    public const string Columns = "s.id, s.name, s.time_zone, s.intervals::text AS intervals, s.holidays::text AS holidays, s.version, s.created_at, s.updated_at";

    public ScheduleResponse ToResponse() => new()
    {
        Id = Id, Name = Name, TimeZone = TimeZone, Version = Version, CreatedAt = CreatedAt, UpdatedAt = UpdatedAt,
        Intervals = ScheduleDefinition.ReadIntervals(Intervals), Holidays = ScheduleDefinition.ReadHolidays(Holidays),
    };
}
