using FluentMigrator;

namespace SupportDesk.Migrations;

/// <summary>
/// The SLA clock. ticket_sla_targets holds one row per running cycle of a target on a ticket (first reply, next reply,
/// resolution): its due time lives in the database, so whichever instance is up finds what is due (the partial index)
/// and claims it with SKIP LOCKED. consumed_ms is the open time (milliseconds) used before the current stretch (running_since),
/// so pauses and re-evaluations never lose or double-count time. The ticket carries a summary of its clock for reads,
/// filters and the queue order (sla_due_at: the nearest due time of an unfulfilled target). sla_events is the
/// append-only record every report is computed from.
/// </summary>
[Migration(20261203120200)]
public sealed class M20261203120200_CreateTicketSlaClock : Migration
{
    public override void Up() => Execute.Sql("""
        ALTER TABLE tickets
            ADD COLUMN sla_policy_id          uuid        NULL,
            ADD COLUMN sla_first_reply_due_at timestamptz NULL,
            ADD COLUMN sla_next_reply_due_at  timestamptz NULL,
            ADD COLUMN sla_resolution_due_at  timestamptz NULL,
            ADD COLUMN sla_paused             boolean     NOT NULL DEFAULT false,
            ADD COLUMN sla_due_at             timestamptz NULL;
        CREATE INDEX ix_tickets_sla_due ON tickets (sla_due_at, id) WHERE deleted_at IS NULL AND sla_due_at IS NOT NULL;

        CREATE TABLE ticket_sla_targets (
            ticket_id         uuid        NOT NULL REFERENCES tickets (id),
            target            text        NOT NULL CHECK (target IN ('first_reply', 'next_reply', 'resolution')),
            policy_id         uuid        NOT NULL,
            priority          text        NOT NULL,
            minutes           integer     NOT NULL CHECK (minutes > 0),
            -- Business hours of this schedule; null counts calendar time (also once the schedule is deleted).
            schedule_id       uuid        NULL REFERENCES sla_schedules (id) ON DELETE SET NULL,
            started_at        timestamptz NOT NULL,
            running_since     timestamptz NULL,
            consumed_ms       bigint      NOT NULL DEFAULT 0,
            due_at            timestamptz NULL,
            fulfilled_at      timestamptz NULL,
            warned_at         timestamptz NULL,
            breached_at       timestamptz NULL,
            PRIMARY KEY (ticket_id, target)
        );
        CREATE INDEX ix_ticket_sla_targets_due ON ticket_sla_targets (due_at)
            WHERE fulfilled_at IS NULL AND breached_at IS NULL AND due_at IS NOT NULL;
        CREATE INDEX ix_ticket_sla_targets_breached ON ticket_sla_targets (ticket_id)
            WHERE fulfilled_at IS NULL AND breached_at IS NOT NULL;

        CREATE TABLE sla_events (
            id               uuid        PRIMARY KEY,
            ticket_id        uuid        NOT NULL REFERENCES tickets (id),
            target           text        NOT NULL CHECK (target IN ('first_reply', 'next_reply', 'resolution')),
            kind             text        NOT NULL CHECK (kind IN ('activate', 'pause', 'resume', 'fulfil', 'warning', 'breach', 'cancel')),
            at               timestamptz NOT NULL,
            policy_id        uuid        NOT NULL,
            priority         text        NOT NULL,
            category         text        NULL,
            assignee_id      uuid        NULL,
            due_at           timestamptz NULL,
            -- On fulfil: wall-clock time since the cycle started, and the open time the target counted (pauses left out).
            elapsed_ms       bigint      NULL,
            counted_ms       bigint      NULL,
            -- On fulfil: whether it came after the due time.
            late             boolean     NULL
        );
        CREATE INDEX ix_sla_events_ticket ON sla_events (ticket_id, at);
        CREATE INDEX ix_sla_events_fulfil ON sla_events (at, target) INCLUDE (priority, category, assignee_id, elapsed_ms, counted_ms, late)
            WHERE kind = 'fulfil';

        CREATE FUNCTION forbid_sla_event_change() RETURNS trigger
        LANGUAGE plpgsql AS $$
        BEGIN
            RAISE EXCEPTION 'sla_events is append-only' USING ERRCODE = 'insufficient_privilege';
        END;
        $$;
        CREATE TRIGGER trg_sla_events_append_only BEFORE UPDATE OR DELETE ON sla_events
            FOR EACH ROW EXECUTE FUNCTION forbid_sla_event_change();
        """);

    public override void Down() => Execute.Sql("""
        DROP TABLE IF EXISTS sla_events;
        DROP FUNCTION IF EXISTS forbid_sla_event_change();
        DROP TABLE IF EXISTS ticket_sla_targets;
        DROP INDEX IF EXISTS ix_tickets_sla_due;
        ALTER TABLE tickets DROP COLUMN IF EXISTS sla_policy_id, DROP COLUMN IF EXISTS sla_first_reply_due_at,
            DROP COLUMN IF EXISTS sla_next_reply_due_at, DROP COLUMN IF EXISTS sla_resolution_due_at,
            DROP COLUMN IF EXISTS sla_paused, DROP COLUMN IF EXISTS sla_due_at;
        """);
}
