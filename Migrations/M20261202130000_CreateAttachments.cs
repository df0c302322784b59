using FluentMigrator;

namespace SupportDesk.Migrations;

/// <summary>
/// Files on tickets. A file is on a comment (comment_id), on the ticket itself (on_ticket: given when the ticket was
/// opened), or an upload waiting for one of those (it expires; ticket_id is null for an upload made before its ticket
/// existed). The bytes live in the attachment store under sha256, shared by rows with the same content.
/// </summary>
[Migration(20261202130000)]
public sealed class M20261202130000_CreateAttachments : Migration
{
    public override void Up() => Execute.Sql("""
        CREATE TABLE attachments (
            id            uuid        PRIMARY KEY,
            ticket_id     uuid        NULL REFERENCES tickets (id),
            comment_id    uuid        NULL REFERENCES comments (id),
            on_ticket     boolean     NOT NULL DEFAULT false,
            uploaded_by   uuid        NOT NULL REFERENCES users (id),
            file_name     text        NOT NULL CHECK (length(file_name) BETWEEN 1 AND 255),
            content_type  text        NOT NULL,
            size          bigint      NOT NULL CHECK (size > 0),
            sha256        text        NOT NULL CHECK (sha256 ~ '^[0-9a-f]{64}$'),
            created_at    timestamptz NOT NULL DEFAULT now(),
            CHECK (comment_id IS NULL OR ticket_id IS NOT NULL),
            CHECK (NOT on_ticket OR (ticket_id IS NOT NULL AND comment_id IS NULL))
        );

        CREATE INDEX ix_attachments_ticket ON attachments (ticket_id, created_at, id);
        CREATE INDEX ix_attachments_comment ON attachments (comment_id) WHERE comment_id IS NOT NULL;
        CREATE INDEX ix_attachments_sha256 ON attachments (sha256);
        CREATE INDEX ix_attachments_waiting ON attachments (created_at) WHERE comment_id IS NULL AND NOT on_ticket;

        ALTER TABLE ticket_history DROP CONSTRAINT ticket_history_action_check;
        ALTER TABLE ticket_history ADD CONSTRAINT ticket_history_action_check CHECK (action IN
            ('created', 'updated', 'status_changed', 'assigned', 'commented', 'deleted', 'attachment_added', 'attachment_removed'));
        """);

    public override void Down() => Execute.Sql("""
        DROP TABLE IF EXISTS attachments;
        ALTER TABLE ticket_history DROP CONSTRAINT ticket_history_action_check;
        ALTER TABLE ticket_history ADD CONSTRAINT ticket_history_action_check CHECK (action IN
            ('created', 'updated', 'status_changed', 'assigned', 'commented', 'deleted'));
        """);
}
