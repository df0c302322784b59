using FluentMigrator;

namespace SupportDesk.Migrations;

/// <summary>
/// Business-hours schedules for SLA targets: an IANA zone, weekly openings (local wall-clock times) and holidays.
/// The openings and holidays are read and written whole, with the schedule, so they live in it as jsonb.
/// </summary>
[Migration(20261203120000)]
public sealed class M20261203120000_CreateSlaSchedules : Migration
{
    public override void Up() => Execute.Sql("""
        CREATE TABLE sla_schedules (
            id          uuid        PRIMARY KEY,
            name        text        NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
            time_zone   text        NOT NULL,
            intervals   jsonb       NOT NULL CHECK (jsonb_typeof(intervals) = 'array'),
            holidays    jsonb       NOT NULL CHECK (jsonb_typeof(holidays) = 'array'),
            version     integer     NOT NULL DEFAULT 1,
            created_at  timestamptz NOT NULL DEFAULT now(),
            updated_at  timestamptz NOT NULL DEFAULT now()
        );
        CREATE UNIQUE INDEX ux_sla_schedules_name ON sla_schedules (lower(name));
        CREATE TRIGGER trg_sla_schedules_updated_at BEFORE UPDATE ON sla_schedules
            FOR EACH ROW EXECUTE FUNCTION set_updated_at();
        """);

    public override void Down() => Execute.Sql("DROP TABLE IF EXISTS sla_schedules;");
}
