using FluentMigrator;

namespace SupportDesk.Migrations;

/// <summary>The audit trail: append-only, enforced by the database itself, not only by the absence of routes.</summary>
[Migration(20261125130200)]
public sealed class M20261125130200_CreateTicketHistory : Migration
{
    public override void Up() => Execute.Sql("""
        CREATE TABLE ticket_history (
            id          uuid        PRIMARY KEY,
            ticket_id   uuid        NOT NULL REFERENCES tickets (id),
            actor_id    uuid        NULL REFERENCES users (id),
            action      text        NOT NULL CHECK (action IN
                            ('created', 'updated', 'status_changed', 'assigned', 'commented', 'deleted')),
            field       text        NULL,
            old_value   text        NULL,
            new_value   text        NULL,
            -- Rows customers must not see (about a private comment).
            is_private  boolean     NOT NULL DEFAULT false,
            created_at  timestamptz NOT NULL DEFAULT now()
        );

        CREATE INDEX ix_ticket_history_ticket ON ticket_history (ticket_id, created_at, id);

        CREATE FUNCTION forbid_history_change() RETURNS trigger
        LANGUAGE plpgsql AS $$
        BEGIN
            RAISE EXCEPTION 'ticket_history is append-only' USING ERRCODE = 'insufficient_privilege';
        END;
        $$;

        CREATE TRIGGER trg_ticket_history_append_only BEFORE UPDATE OR DELETE ON ticket_history
            FOR EACH ROW EXECUTE FUNCTION forbid_history_change();
        """);

    public override void Down() => Execute.Sql("""
        DROP TABLE IF EXISTS ticket_history;
        DROP FUNCTION IF EXISTS forbid_history_change();
        """);
}
