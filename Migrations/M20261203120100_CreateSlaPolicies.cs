using FluentMigrator;

namespace SupportDesk.Migrations;

/// <summary>
/// SLA policies, tried in position order: the first whose conditions match a ticket (and that has targets for its
/// priority) applies. A null condition list matches everything. Targets per priority are jsonb, read with the policy.
/// A schedule a policy counts in cannot be deleted (RESTRICT).
/// </summary>
[Migration(20261203120100)]
public sealed class M20261203120100_CreateSlaPolicies : Migration
{
    public override void Up() => Execute.Sql("""
        CREATE TABLE sla_policies (
            id           uuid        PRIMARY KEY,
            name         text        NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
            position     integer     NOT NULL CHECK (position >= 0),
            priorities   text[]      NULL,
            categories   text[]      NULL,
            tags         text[]      NULL,
            schedule_id  uuid        NULL REFERENCES sla_schedules (id) ON DELETE RESTRICT,
            targets      jsonb       NOT NULL CHECK (jsonb_typeof(targets) = 'array'),
            version      integer     NOT NULL DEFAULT 1,
            created_at   timestamptz NOT NULL DEFAULT now(),
            updated_at   timestamptz NOT NULL DEFAULT now()
        );
        CREATE UNIQUE INDEX ux_sla_policies_name ON sla_policies (lower(name));
        CREATE INDEX ix_sla_policies_order ON sla_policies (position, created_at, id);
        CREATE INDEX ix_sla_policies_schedule ON sla_policies (schedule_id) WHERE schedule_id IS NOT NULL;
        CREATE TRIGGER trg_sla_policies_updated_at BEFORE UPDATE ON sla_policies
            FOR EACH ROW EXECUTE FUNCTION set_updated_at();
        """);

    public override void Down() => Execute.Sql("DROP TABLE IF EXISTS sla_policies;");
}
