using FluentMigrator;

namespace SupportDesk.Migrations;

/// <summary>
/// What the reports read, so each is index-only over its period (bench/README.md, reports):
/// <list type="bullet">
/// <item>tickets.solved_at, the solve time (resolved, else closed) as a stored generated column: PostgreSQL keeps it
/// right on every write (a reopen clears resolved_at and closed_at, so it clears it too), adding it fills it for the
/// existing rows, and a plain index on it can answer counts index-only, which an expression index cannot.</item>
/// <item>tickets by creation and by solve time, each with the other time and every column a report filters on
/// (including the restricted agent's visibility: assignee, group, requester) included; by creation also with the id,
/// which the SLA reports match their facts against when they filter by the ticket as it is now.</item>
/// <item>the fulfil and breach facts led by their time, so a period is one range scan whatever the kind.</item>
/// </list>
/// </summary>
[Migration(20261204110000)]
public sealed class M20261204110000_AddReportSolvedAt : Migration
{
    public override void Up() => Execute.Sql("""
        ALTER TABLE tickets ADD COLUMN solved_at timestamptz GENERATED ALWAYS AS (coalesce(resolved_at, closed_at)) STORED;

        DROP INDEX IF EXISTS ix_tickets_solved_at;
        DROP INDEX IF EXISTS ix_tickets_unsolved;
        CREATE INDEX ix_tickets_solved_at ON tickets (solved_at)
            INCLUDE (created_at, priority, category, assignee_id, group_id, requester_id)
            WHERE deleted_at IS NULL AND solved_at IS NOT NULL;
        CREATE INDEX ix_tickets_report_created ON tickets (created_at)
            INCLUDE (solved_at, priority, category, assignee_id, group_id, requester_id, id)
            WHERE deleted_at IS NULL;
        CREATE INDEX ix_tickets_unsolved ON tickets (created_at)
            INCLUDE (priority, category, assignee_id, group_id, requester_id)
            WHERE deleted_at IS NULL AND solved_at IS NULL;

        DROP INDEX IF EXISTS ix_sla_events_report;
        CREATE INDEX ix_sla_events_report ON sla_events (at)
            INCLUDE (kind, target, priority, category, assignee_id, elapsed_ms, counted_ms, late, ticket_id)
            WHERE kind IN ('fulfil', 'breach');
        """);

    public override void Down() => Execute.Sql("""
        DROP INDEX IF EXISTS ix_sla_events_report;
        CREATE INDEX ix_sla_events_report ON sla_events (kind, at)
            INCLUDE (target, priority, category, assignee_id, elapsed_ms, counted_ms, late)
            WHERE kind IN ('fulfil', 'breach');
        DROP INDEX IF EXISTS ix_tickets_report_created;
        DROP INDEX IF EXISTS ix_tickets_unsolved;
        DROP INDEX IF EXISTS ix_tickets_solved_at;
        ALTER TABLE tickets DROP COLUMN IF EXISTS solved_at;
        CREATE INDEX ix_tickets_solved_at ON tickets ((coalesce(resolved_at, closed_at)))
            WHERE deleted_at IS NULL AND coalesce(resolved_at, closed_at) IS NOT NULL;
        CREATE INDEX ix_tickets_unsolved ON tickets (created_at)
            WHERE deleted_at IS NULL AND resolved_at IS NULL AND closed_at IS NULL;
        """);
}
