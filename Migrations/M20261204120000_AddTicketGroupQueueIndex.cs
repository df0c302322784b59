using FluentMigrator;

namespace SupportDesk.Migrations;

/// <summary>
/// A team's queues ("open in Billing", "urgent and unassigned in my team") filter a group by status, priority and
/// assignee. Led by the group and holding those three, their counts and lists are index-only range scans; with only
/// (group_id, created_at) the planner scanned the table (bench/README.md, Views).
/// </summary>
[Migration(20261204120000)]
public sealed class M20261204120000_AddTicketGroupQueueIndex : Migration
{
    public override void Up() => Execute.Sql("""
        CREATE INDEX ix_tickets_group_queue ON tickets (group_id, status, priority, assignee_id) WHERE deleted_at IS NULL;
        """);

    public override void Down() => Execute.Sql("DROP INDEX ix_tickets_group_queue;");
}
