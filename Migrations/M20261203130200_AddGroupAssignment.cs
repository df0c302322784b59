using FluentMigrator;

namespace SupportDesk.Migrations;

/// <summary>
/// Assignment inside a group: the group's mode (manual, round_robin, least_open), each agent's availability and
/// capacity (most open tickets at once; null: no limit), and one cursor row per group. A create that assigns locks
/// its group's cursor row, so creates into one group take turns on every instance: that is what keeps round robin
/// exact under concurrency.
/// </summary>
[Migration(20261203130200)]
public sealed class M20261203130200_AddGroupAssignment : Migration
{
    public override void Up() => Execute.Sql("""
        ALTER TABLE users
            ADD COLUMN availability text NOT NULL DEFAULT 'online' CHECK (availability IN ('online', 'away')),
            ADD COLUMN max_open_tickets integer NULL CHECK (max_open_tickets BETWEEN 1 AND 100000);

        ALTER TABLE groups
            ADD COLUMN assignment_mode text NOT NULL DEFAULT 'manual' CHECK (assignment_mode IN ('manual', 'round_robin', 'least_open'));

        CREATE TABLE group_assignment_cursors (
            group_id          uuid   PRIMARY KEY REFERENCES groups (id) ON DELETE CASCADE,
            last_assignee_id  uuid   NULL,
            assigned_count    bigint NOT NULL DEFAULT 0
        );
        """);

    public override void Down() => Execute.Sql("""
        DROP TABLE IF EXISTS group_assignment_cursors;
        ALTER TABLE groups DROP COLUMN IF EXISTS assignment_mode;
        ALTER TABLE users DROP COLUMN IF EXISTS availability, DROP COLUMN IF EXISTS max_open_tickets;
        """);
}
