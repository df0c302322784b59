using Dapper;
using Mediator;
using Npgsql;

namespace SupportDesk.Features.Reports.ResponseTimesReport;

/// <summary>Median, 90th percentile and mean, in minutes.</summary>
public sealed record DurationStats(double? MedianMinutes, double? P90Minutes, double? MeanMinutes);

/// <summary>One target's figures: calendar = wall-clock time since the cycle started; business = the time the target counted.</summary>
public sealed record TargetTimes(string Target, long Count, DurationStats Calendar, DurationStats Business);

public sealed record ResponseTimesResponse(DateTime From, DateTime To, IReadOnlyList<TargetTimes> Targets);

public sealed record ResponseTimesReportQuery(ReportFilter Filter) : IQuery<ResponseTimesResponse>;

public sealed class ResponseTimesReportHandler(NpgsqlDataSource dataSource) : IQueryHandler<ResponseTimesReportQuery, ResponseTimesResponse>
{
    internal const string Targets = "first_reply,resolution";

    // From the fulfil facts of the period (ix_sla_events_report: at, with the filtered and measured columns).
    internal static string Sql(ReportFilter f) => $"""
        SELECT e.target, count(*) AS count,
               percentile_cont(0.5) WITHIN GROUP (ORDER BY e.elapsed_ms) / 60000.0 AS calendar_median,
               percentile_cont(0.9) WITHIN GROUP (ORDER BY e.elapsed_ms) / 60000.0 AS calendar_p90,
               (avg(e.elapsed_ms) / 60000.0)::float8 AS calendar_mean,
               percentile_cont(0.5) WITHIN GROUP (ORDER BY e.counted_ms) / 60000.0 AS business_median,
               percentile_cont(0.9) WITHIN GROUP (ORDER BY e.counted_ms) / 60000.0 AS business_p90,
               (avg(e.counted_ms) / 60000.0)::float8 AS business_mean
        FROM sla_events e
        WHERE e.kind = 'fulfil' AND e.at >= @From AND e.at < @To AND e.target IN ('first_reply', 'resolution'){f.WhereFacts()}
        GROUP BY e.target
        """;

    private sealed class Row
    {
        public string Target { get; init; } = "";
        public long Count { get; init; }
        public double? CalendarMedian { get; init; }
        public double? CalendarP90 { get; init; }
        public double? CalendarMean { get; init; }
        public double? BusinessMedian { get; init; }
        public double? BusinessP90 { get; init; }
        public double? BusinessMean { get; init; }
    }

    public async ValueTask<ResponseTimesResponse> Handle(ResponseTimesReportQuery query, CancellationToken ct)
    {
        await using var connection = await dataSource.OpenConnectionAsync(ct);
        var rows = (await connection.QueryAsync<Row>(new CommandDefinition(Sql(query.Filter), query.Filter.Parameters, cancellationToken: ct)))
            .ToDictionary(r => r.Target);
        var targets = Targets.Split(',').Select(t => rows.GetValueOrDefault(t) is { } r
            ? new TargetTimes(t, r.Count, new(r.CalendarMedian, r.CalendarP90, r.CalendarMean), new(r.BusinessMedian, r.BusinessP90, r.BusinessMean))
            : new TargetTimes(t, 0, new(null, null, null), new(null, null, null))).ToList();
        return new ResponseTimesResponse(query.Filter.FromUtc, query.Filter.ToUtc, targets);
    }
}
