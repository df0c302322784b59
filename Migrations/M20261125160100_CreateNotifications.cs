using FluentMigrator;

namespace SupportDesk.Migrations;

[Migration(20261125160100)]
public sealed class M20261125160100_CreateNotifications : Migration
{
    public override void Up() => Execute.Sql("""
        CREATE TABLE notifications (
            id          uuid        PRIMARY KEY,
            user_id     uuid        NOT NULL REFERENCES users (id),
            type        text        NOT NULL CHECK (length(type) BETWEEN 1 AND 100),
            title       text        NOT NULL CHECK (length(title) BETWEEN 1 AND 200),
            body        text        NOT NULL CHECK (length(body) <= 1000),
            ticket_id   uuid        NULL REFERENCES tickets (id),
            data        jsonb       NULL,
            read_at     timestamptz NULL,
            created_at  timestamptz NOT NULL DEFAULT now()
        );

        -- "My unread, newest first" (list and count), and "all of mine, newest first".
        CREATE INDEX ix_notifications_user_unread ON notifications (user_id, created_at DESC, id DESC) WHERE read_at IS NULL;
        CREATE INDEX ix_notifications_user ON notifications (user_id, created_at DESC, id DESC);
        CREATE INDEX ix_notifications_ticket ON notifications (ticket_id) WHERE ticket_id IS NOT NULL;
        """);

    public override void Down() => Execute.Sql("DROP TABLE IF EXISTS notifications;");
}
