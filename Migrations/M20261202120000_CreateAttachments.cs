using FluentMigrator;

namespace SupportDesk.Migrations;

/// <summary>
/// Files on tickets. A row without comment_id is an upload waiting for a comment to carry it (it expires); the bytes
/// live in the attachment store under sha256, shared by rows with the same content.
/// </summary>
[Migration(20261202120000)]
public sealed class M20261202120000_CreateAttachments : Migration
{
    public override void Up() => Execute.Sql("""
        CREATE TABLE attachments (
            id            uuid        PRIMARY KEY,
            ticket_id     uuid        NOT NULL REFERENCES tickets (id),
            comment_id    uuid        NULL REFERENCES comments (id),
            uploaded_by   uuid        NOT NULL REFERENCES users (id),
            file_name     text        NOT NULL CHECK (length(file_name) BETWEEN 1 AND 255),
            content_type  text        NOT NULL,
            size          bigint      NOT NULL CHECK (size > 0),
            sha256        text        NOT NULL CHECK (sha256 ~ '^[0-9a-f]{64}$'),
            created_at    timestamptz NOT NULL DEFAULT now()
        );

        CREATE INDEX ix_attachments_ticket ON attachments (ticket_id, created_at, id);
        CREATE INDEX ix_attachments_comment ON attachments (comment_id) WHERE comment_id IS NOT NULL;
        CREATE INDEX ix_attachments_sha256 ON attachments (sha256);
        CREATE INDEX ix_attachments_unlinked ON attachments (created_at) WHERE comment_id IS NULL;

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
