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

    // From the fulfil facts of the period (ix_sla_events_report: at, with the filtered and measured columns), both
    // targets in one pass: each aggregate takes its target's rows (FILTER), so nothing sorts the facts by target first
    // (a GROUP BY target sorted all 160,000 of a month before the percentiles sorted them again); the median and p90 of
    // one measure are one ordered-set aggregate, one sort.
    internal static string Sql(ReportFilter f) => $"""
        SELECT {Measures("first_reply")}, {Measures("resolution")}
        FROM sla_events e
        WHERE e.kind = 'fulfil' AND e.at >= @From AND e.at < @To AND e.target IN ('first_reply', 'resolution'){f.WhereFacts()}
        """;

    private static string Measures(string target) => $"""
        count(*) FILTER (WHERE e.target = '{target}') AS {target}_count,
        percentile_cont(ARRAY[0.5, 0.9]) WITHIN GROUP (ORDER BY e.elapsed_ms) FILTER (WHERE e.target = '{target}') AS {target}_calendar,
        (avg(e.elapsed_ms) FILTER (WHERE e.target = '{target}') / 60000.0)::float8 AS {target}_calendar_mean,
        percentile_cont(ARRAY[0.5, 0.9]) WITHIN GROUP (ORDER BY e.counted_ms) FILTER (WHERE e.target = '{target}') AS {target}_business,
        (avg(e.counted_ms) FILTER (WHERE e.target = '{target}') / 60000.0)::float8 AS {target}_business_mean
        """;

    private sealed class Row
    {
        public long FirstReplyCount { get; init; }
        public double[]? FirstReplyCalendar { get; init; }
        public double? FirstReplyCalendarMean { get; init; }
        public double[]? FirstReplyBusiness { get; init; }
        public double? FirstReplyBusinessMean { get; init; }
        public long ResolutionCount { get; init; }
        public double[]? ResolutionCalendar { get; init; }
        public double? ResolutionCalendarMean { get; init; }
        public double[]? ResolutionBusiness { get; init; }
        public double? ResolutionBusinessMean { get; init; }
    }

    private static DurationStats Stats(double[]? percentiles, double? mean) =>
        new(percentiles?[0] / 60000.0, percentiles?[1] / 60000.0, mean);

    public async ValueTask<ResponseTimesResponse> Handle(ResponseTimesReportQuery query, CancellationToken ct)
    {
        await using var connection = await dataSource.OpenConnectionAsync(ct);
        await using var transaction = await query.Filter.BeginReadAsync(connection, ct);
        var filter = await query.Filter.ResolveAsync(connection, transaction, ct);
        var row = await connection.QuerySingleAsync<Row>(new CommandDefinition(Sql(filter), filter.Parameters, transaction, cancellationToken: ct));
        var targets = new List<TargetTimes>
        {
            new("first_reply", row.FirstReplyCount, Stats(row.FirstReplyCalendar, row.FirstReplyCalendarMean), Stats(row.FirstReplyBusiness, row.FirstReplyBusinessMean)),
            new("resolution", row.ResolutionCount, Stats(row.ResolutionCalendar, row.ResolutionCalendarMean), Stats(row.ResolutionBusiness, row.ResolutionBusinessMean)),
        };
        return new ResponseTimesResponse(query.Filter.FromUtc, query.Filter.ToUtc, targets);
    }
}
