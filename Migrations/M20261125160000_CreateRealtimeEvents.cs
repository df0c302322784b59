using FluentMigrator;

namespace SupportDesk.Migrations;

/// <summary>
/// Events on their way to WebSocket clients of every instance. NOTIFY carries them; this table holds each one
/// so a payload over NOTIFY's 8000-byte limit travels as its id, and a listener that reconnects can catch up.
/// Rows are transient: a background job deletes them after REALTIME_EVENT_RETENTION_SECONDS.
/// </summary>
[Migration(20261125160000)]
public sealed class M20261125160000_CreateRealtimeEvents : Migration
{
    public override void Up() => Execute.Sql("""
        CREATE TABLE realtime_events (
            id              uuid        PRIMARY KEY,
            type            text        NOT NULL,
            -- No foreign keys: an event is a record of what was sent, and must not lock or outlive-check its ticket.
            ticket_id       uuid        NULL,
            -- Who may receive it (EventAudience): staff always, the requester unless staff_only, or only target_user_id.
            requester_id    uuid        NULL,
            staff_only      boolean     NOT NULL,
            target_user_id  uuid        NULL,
            data            jsonb       NOT NULL,
            occurred_at     timestamptz NOT NULL
        );

        CREATE INDEX ix_realtime_events_occurred_at ON realtime_events (occurred_at);

        -- A user's deactivation, role change or token retirement closes their sockets on every instance at commit.
        CREATE FUNCTION notify_user_access_changed() RETURNS trigger
        LANGUAGE plpgsql AS $$
        BEGIN
            PERFORM pg_notify('supportdesk_user_access', NEW.id::text);
            RETURN NULL;
        END;
        $$;

        CREATE TRIGGER trg_users_access_changed AFTER UPDATE OF is_active, role, token_version ON users
            FOR EACH ROW
            WHEN (OLD.is_active IS DISTINCT FROM NEW.is_active
                  OR OLD.role IS DISTINCT FROM NEW.role
                  OR OLD.token_version IS DISTINCT FROM NEW.token_version)
            EXECUTE FUNCTION notify_user_access_changed();
        """);

    public override void Down() => Execute.Sql("""
        DROP TRIGGER IF EXISTS trg_users_access_changed ON users;
        DROP FUNCTION IF EXISTS notify_user_access_changed();
        DROP TABLE IF EXISTS realtime_events;
        """);
}
