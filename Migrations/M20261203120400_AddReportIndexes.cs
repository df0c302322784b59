using FluentMigrator;

namespace SupportDesk.Migrations;

/// <summary>
/// What the reports read, as index-only scans over the period (bench/README.md, reports): the fulfil and breach facts
/// by time with the filtered and measured columns included, and tickets by solve time and still-open tickets for the
/// daily volume and backlog.
/// </summary>
[Migration(20261203120400)]
public sealed class M20261203120400_AddReportIndexes : Migration
{
    public override void Up() => Execute.Sql("""
        DROP INDEX IF EXISTS ix_sla_events_fulfil;
        CREATE INDEX ix_sla_events_report ON sla_events (kind, at)
            INCLUDE (target, priority, category, assignee_id, elapsed_ms, counted_ms, late)
            WHERE kind IN ('fulfil', 'breach');
        CREATE INDEX ix_tickets_solved_at ON tickets ((coalesce(resolved_at, closed_at)))
            WHERE deleted_at IS NULL AND coalesce(resolved_at, closed_at) IS NOT NULL;
        CREATE INDEX ix_tickets_unsolved ON tickets (created_at)
            WHERE deleted_at IS NULL AND resolved_at IS NULL AND closed_at IS NULL;
        """);

    public override void Down() => Execute.Sql("""
        DROP INDEX IF EXISTS ix_sla_events_report;
        DROP INDEX IF EXISTS ix_tickets_solved_at;
        DROP INDEX IF EXISTS ix_tickets_unsolved;
        CREATE INDEX ix_sla_events_fulfil ON sla_events (at, target) INCLUDE (priority, category, assignee_id, elapsed_ms, counted_ms, late)
            WHERE kind = 'fulfil';
        """);
}
