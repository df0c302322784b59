using Dapper;
using Mediator;
using Npgsql;
using SupportDesk.Infrastructure.Sla;

namespace SupportDesk.Features.Reports.SlaComplianceReport;

/// <summary>
/// One target over the period: cycles fulfilled (on time and late), compliance = on time / fulfilled × 100 (null
/// with none), and breaches marked in the period (a breach still open at the end is in breaches, not in fulfilled).
/// </summary>
public sealed record TargetCompliance(string Target, long Fulfilled, long Met, long Late, long Breaches, double? CompliancePercent);

public sealed record SlaComplianceResponse(DateTime From, DateTime To, IReadOnlyList<TargetCompliance> Targets);

public sealed record SlaComplianceReportQuery(ReportFilter Filter) : IQuery<SlaComplianceResponse>;

public sealed class SlaComplianceReportHandler(NpgsqlDataSource dataSource) : IQueryHandler<SlaComplianceReportQuery, SlaComplianceResponse>
{
    internal static string Sql(ReportFilter f) => $"""
        SELECT e.target,
               count(*) FILTER (WHERE e.kind = 'fulfil') AS fulfilled,
               count(*) FILTER (WHERE e.kind = 'fulfil' AND NOT e.late) AS met,
               count(*) FILTER (WHERE e.kind = 'fulfil' AND e.late) AS late,
               count(*) FILTER (WHERE e.kind = 'breach') AS breaches
        FROM sla_events e
        WHERE e.kind IN ('fulfil', 'breach') AND e.at >= @From AND e.at < @To{f.WhereFacts()}
        GROUP BY e.target
        """;

    private sealed class Row
    {
        public string Target { get; init; } = "";
        public long Fulfilled { get; init; }
        public long Met { get; init; }
        public long Late { get; init; }
        public long Breaches { get; init; }
    }

    public async ValueTask<SlaComplianceResponse> Handle(SlaComplianceReportQuery query, CancellationToken ct)
    {
        await using var connection = await dataSource.OpenConnectionAsync(ct);
        await using var transaction = await query.Filter.BeginReadAsync(connection, ct);
        var filter = await query.Filter.ResolveAsync(connection, transaction, ct);
        var rows = (await connection.QueryAsync<Row>(new CommandDefinition(Sql(filter), filter.Parameters, transaction, cancellationToken: ct)))
            .ToDictionary(r => r.Target);
        var targets = SlaTargets.All.Select(t => rows.GetValueOrDefault(t) is { } r
            ? new TargetCompliance(t, r.Fulfilled, r.Met, r.Late, r.Breaches, r.Fulfilled == 0 ? null : Math.Round(r.Met * 100.0 / r.Fulfilled, 2))
            : new TargetCompliance(t, 0, 0, 0, 0, null)).ToList();
        return new SlaComplianceResponse(query.Filter.FromUtc, query.Filter.ToUtc, targets);
    }
}
