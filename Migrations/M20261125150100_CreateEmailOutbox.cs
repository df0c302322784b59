using FluentMigrator;

namespace SupportDesk.Migrations;

/// <summary>
/// The transactional outbox: a row is written in the same transaction as the change that causes the email,
/// and background senders (any number of instances) claim due rows with FOR UPDATE SKIP LOCKED.
/// </summary>
[Migration(20261125150100)]
public sealed class M20261125150100_CreateEmailOutbox : Migration
{
    public override void Up() => Execute.Sql("""
        CREATE TABLE email_outbox (
            id                 uuid        PRIMARY KEY,
            template_key       text        NOT NULL REFERENCES email_templates (key),
            recipient_id       uuid        NOT NULL REFERENCES users (id),
            to_address         text        NOT NULL,
            to_name            text        NOT NULL,
            ticket_id          uuid        NULL REFERENCES tickets (id),
            subject            text        NOT NULL,
            html_body          text        NOT NULL,
            text_body          text        NOT NULL,
            -- Stable per row, so a resend after an unknown outcome carries the same Message-ID.
            message_id         text        NOT NULL UNIQUE,
            in_reply_to        text        NULL,
            references_header  text        NULL,
            status             text        NOT NULL DEFAULT 'pending'
                                           CHECK (status IN ('pending', 'sending', 'sent', 'failed')),
            -- Counts claims, so it also fences a sender whose lease ran out (see EmailSender).
            attempts           integer     NOT NULL DEFAULT 0,
            -- pending: when the row is due; sending: when the claim's lease ends and another sender may take it.
            next_attempt_at    timestamptz NOT NULL DEFAULT now(),
            last_error         text        NULL,
            created_at         timestamptz NOT NULL DEFAULT now(),
            sent_at            timestamptz NULL,
            updated_at         timestamptz NOT NULL DEFAULT now()
        );

        -- The claim query: due pending rows and expired sending leases.
        CREATE INDEX ix_email_outbox_due ON email_outbox (status, next_attempt_at);
        -- The admin list, newest first, optionally by status.
        CREATE INDEX ix_email_outbox_created ON email_outbox (created_at DESC, id DESC);
        CREATE INDEX ix_email_outbox_status_created ON email_outbox (status, created_at DESC, id DESC);
        -- Threading: the earlier messages of a ticket.
        CREATE INDEX ix_email_outbox_ticket ON email_outbox (ticket_id, created_at) WHERE ticket_id IS NOT NULL;
        CREATE INDEX ix_email_outbox_recipient ON email_outbox (recipient_id);

        CREATE TRIGGER trg_email_outbox_updated_at BEFORE UPDATE ON email_outbox
            FOR EACH ROW EXECUTE FUNCTION set_updated_at();
        """);

    public override void Down() => Execute.Sql("DROP TABLE IF EXISTS email_outbox;");
}
