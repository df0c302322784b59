using Dapper;
using Mediator;
using Npgsql;

namespace SupportDesk.Features.Reports.VolumeReport;

/// <summary>One UTC day: tickets opened, tickets solved (resolved or closed), and the backlog (opened, not solved) at its end.</summary>
public sealed record VolumeDay(DateOnly Day, long Created, long Solved, long Backlog);

public sealed record VolumeResponse(DateTime From, DateTime To, IReadOnlyList<VolumeDay> Days);

public sealed record VolumeReportQuery(ReportFilter Filter) : IQuery<VolumeResponse>;

/// <summary>
/// From the tickets' own timestamps as they are now (solved_at = resolved_at, else closed_at; a reopened ticket is open
/// again), filtered by their current fields. The backlog at the start of the period is counted from whichever end is
/// nearer, in one scan: the tickets created before the period and not solved by its start, or (from now backwards)
/// those solved since its start that were created before it, plus the ones still open that were. Every count is an
/// index-only scan of ix_tickets_report_created, ix_tickets_solved_at or ix_tickets_unsolved, which include the
/// filtered columns.
/// </summary>
public sealed class VolumeReportHandler(NpgsqlDataSource dataSource, TimeProvider clock) : IQueryHandler<VolumeReportQuery, VolumeResponse>
{
    internal static string DaysSql(ReportFilter f) => $"""
        SELECT d.day AS day,
               coalesce(c.n, 0) AS created,
               coalesce(s.n, 0) AS solved
        FROM generate_series((@From AT TIME ZONE 'UTC')::date, ((@To - interval '1 microsecond') AT TIME ZONE 'UTC')::date, interval '1 day') AS d(day)
        LEFT JOIN (
            SELECT (t.created_at AT TIME ZONE 'UTC')::date AS day, count(*) AS n FROM tickets t
            WHERE t.deleted_at IS NULL AND t.created_at >= @From AND t.created_at < @To{f.WhereTickets()}
            GROUP BY 1
        ) c ON c.day = d.day::date
        LEFT JOIN (
            SELECT (t.solved_at AT TIME ZONE 'UTC')::date AS day, count(*) AS n FROM tickets t
            WHERE t.deleted_at IS NULL AND t.solved_at >= @From AND t.solved_at < @To{f.WhereTickets()}
            GROUP BY 1
        ) s ON s.day = d.day::date
        ORDER BY 1
        """;

    internal static string BacklogBeforeSql(ReportFilter f) => $"""
        SELECT count(*) FROM tickets t
        WHERE t.deleted_at IS NULL AND t.created_at < @From AND (t.solved_at IS NULL OR t.solved_at >= @From){f.WhereTickets()}
        """;

    internal static string BacklogFromNowSql(ReportFilter f) => $"""
        SELECT (SELECT count(*) FROM tickets t WHERE t.deleted_at IS NULL AND t.solved_at IS NULL AND t.created_at < @From{f.WhereTickets()})
             + (SELECT count(*) FROM tickets t WHERE t.deleted_at IS NULL AND t.solved_at >= @From AND t.created_at < @From{f.WhereTickets()})
        """;

    internal const string OldestSql = "SELECT min(created_at) FROM tickets WHERE deleted_at IS NULL";

    private sealed class DayRow
    {
        public DateTime Day { get; init; }
        public long Created { get; init; }
        public long Solved { get; init; }
    }

    public async ValueTask<VolumeResponse> Handle(VolumeReportQuery query, CancellationToken ct)
    {
        await using var connection = await dataSource.OpenConnectionAsync(ct);
        await using var transaction = await query.Filter.BeginReadAsync(connection, ct);
        var f = await query.Filter.ResolveAsync(connection, transaction, ct);
        var oldest = await connection.ExecuteScalarAsync<DateTime?>(new CommandDefinition(OldestSql, transaction: transaction, cancellationToken: ct));
        var now = clock.GetUtcNow().UtcDateTime;
        var fromNow = oldest is { } o && f.FromUtc - o > now - f.FromUtc;
        var backlog = await connection.ExecuteScalarAsync<long>(new CommandDefinition(
            fromNow ? BacklogFromNowSql(f) : BacklogBeforeSql(f), f.Parameters, transaction, cancellationToken: ct));
        var days = new List<VolumeDay>();
        foreach (var day in await connection.QueryAsync<DayRow>(new CommandDefinition(DaysSql(f), f.Parameters, transaction, cancellationToken: ct)))
        {
            backlog += day.Created - day.Solved;
            days.Add(new VolumeDay(DateOnly.FromDateTime(day.Day), day.Created, day.Solved, backlog));
        }
        return new VolumeResponse(f.FromUtc, f.ToUtc, days);
    }
}
