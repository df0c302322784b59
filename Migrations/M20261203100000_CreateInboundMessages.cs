using FluentMigrator;

namespace SupportDesk.Migrations;

/// <summary>
/// Inbound email: every received message is stored raw first (the SMTP listener says 250, or the IMAP poller flags it,
/// only after this row committed), then a worker turns it into a ticket or comment. dedup_key (a hash of Message-ID,
/// sender, subject and body) is unique, so the same mail by SMTP and IMAP, or delivered twice, is one row.
/// ticket_followers are the Cc'd people of a ticket, who get its public updates by mail.
/// </summary>
[Migration(20261203100000)]
public sealed class M20261203100000_CreateInboundMessages : Migration
{
    public override void Up() => Execute.Sql("""
        CREATE TABLE inbound_messages (
            id            uuid        PRIMARY KEY,
            source        text        NOT NULL CHECK (source IN ('smtp', 'imap')),
            raw           bytea       NOT NULL,
            size          integer     NOT NULL,
            sha256        text        NOT NULL CHECK (sha256 ~ '^[0-9a-f]{64}$'),
            dedup_key     text        NOT NULL,
            message_id    text        NULL,
            envelope_from text        NULL,
            sender        text        NULL,
            subject       text        NULL,
            status        text        NOT NULL DEFAULT 'received'
                                      CHECK (status IN ('received', 'processing', 'processed', 'failed', 'flagged')),
            reason        text        NULL,
            error         text        NULL,
            attempts      integer     NOT NULL DEFAULT 0,
            is_auto       boolean     NOT NULL DEFAULT false,
            ticket_id     uuid        NULL REFERENCES tickets (id),
            comment_id    uuid        NULL REFERENCES comments (id),
            opened_ticket boolean     NOT NULL DEFAULT false,
            received_at   timestamptz NOT NULL DEFAULT now(),
            processed_at  timestamptz NULL
        );
        CREATE UNIQUE INDEX ux_inbound_messages_dedup ON inbound_messages (dedup_key);
        CREATE INDEX ix_inbound_messages_due ON inbound_messages (received_at, id) WHERE status = 'received';
        CREATE INDEX ix_inbound_messages_status ON inbound_messages (status, received_at DESC, id DESC);
        CREATE INDEX ix_inbound_messages_message_id ON inbound_messages (message_id) WHERE ticket_id IS NOT NULL;
        CREATE INDEX ix_inbound_messages_sender_opened ON inbound_messages (lower(sender), processed_at) WHERE opened_ticket;

        CREATE TABLE ticket_followers (
            ticket_id  uuid        NOT NULL REFERENCES tickets (id),
            user_id    uuid        NOT NULL REFERENCES users (id),
            created_at timestamptz NOT NULL DEFAULT now(),
            PRIMARY KEY (ticket_id, user_id)
        );
        CREATE INDEX ix_ticket_followers_user ON ticket_followers (user_id);
        CREATE INDEX ix_email_outbox_message_id ON email_outbox (message_id);
        """);

    public override void Down() => Execute.Sql("""
        DROP INDEX IF EXISTS ix_email_outbox_message_id;
        DROP TABLE IF EXISTS ticket_followers;
        DROP TABLE IF EXISTS inbound_messages;
        """);
}
