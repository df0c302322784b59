using FluentMigrator;

namespace SupportDesk.Migrations;

[Migration(20261125130000)]
public sealed class M20261125130000_CreateTickets : Migration
{
    public override void Up() => Execute.Sql("""
        CREATE SEQUENCE ticket_number_seq START WITH 1000;

        CREATE TABLE tickets (
            id                 uuid        PRIMARY KEY,
            number             bigint      NOT NULL DEFAULT nextval('ticket_number_seq') UNIQUE,
            title              text        NOT NULL CHECK (length(title) BETWEEN 1 AND 200),
            description        text        NOT NULL CHECK (length(description) <= 20000),
            status             text        NOT NULL DEFAULT 'open'
                                           CHECK (status IN ('open', 'in_progress', 'pending', 'resolved', 'closed')),
            priority           text        NOT NULL DEFAULT 'medium'
                                           CHECK (priority IN ('low', 'medium', 'high', 'urgent')),
            -- Sorting by priority means by urgency, not alphabetically.
            priority_rank      smallint    GENERATED ALWAYS AS (CASE priority
                                               WHEN 'low' THEN 1 WHEN 'medium' THEN 2 WHEN 'high' THEN 3 ELSE 4 END) STORED,
            category           text        NULL CHECK (length(category) BETWEEN 1 AND 100),
            tags               text[]      NOT NULL DEFAULT '{}' CHECK (cardinality(tags) <= 20),
            requester_id       uuid        NOT NULL REFERENCES users (id),
            assignee_id        uuid        NULL REFERENCES users (id),
            created_by         uuid        NOT NULL REFERENCES users (id),
            -- Row version behind the ETag; bumped by every update.
            version            integer     NOT NULL DEFAULT 1,
            created_at         timestamptz NOT NULL DEFAULT now(),
            updated_at         timestamptz NOT NULL DEFAULT now(),
            first_response_at  timestamptz NULL,
            resolved_at        timestamptz NULL,
            closed_at          timestamptz NULL,
            -- Deleting keeps the row (and its audit trail); every route treats it as gone.
            deleted_at         timestamptz NULL
        );

        ALTER SEQUENCE ticket_number_seq OWNED BY tickets.number;

        -- One index per list filter, each ordered for the default newest-first listing.
        CREATE INDEX ix_tickets_created_at   ON tickets (created_at DESC, id DESC) WHERE deleted_at IS NULL;
        CREATE INDEX ix_tickets_updated_at   ON tickets (updated_at DESC, id DESC) WHERE deleted_at IS NULL;
        CREATE INDEX ix_tickets_status       ON tickets (status, created_at DESC, id DESC) WHERE deleted_at IS NULL;
        CREATE INDEX ix_tickets_priority     ON tickets (priority_rank, created_at DESC, id DESC) WHERE deleted_at IS NULL;
        CREATE INDEX ix_tickets_assignee     ON tickets (assignee_id, status, created_at DESC) WHERE deleted_at IS NULL;
        CREATE INDEX ix_tickets_requester    ON tickets (requester_id, status, created_at DESC) WHERE deleted_at IS NULL;
        CREATE INDEX ix_tickets_category     ON tickets (category, created_at DESC) WHERE deleted_at IS NULL;
        CREATE INDEX ix_tickets_tags         ON tickets USING gin (tags) WHERE deleted_at IS NULL;

        CREATE TRIGGER trg_tickets_updated_at BEFORE UPDATE ON tickets
            FOR EACH ROW EXECUTE FUNCTION set_updated_at();
        """);

    public override void Down() => Execute.Sql("DROP TABLE IF EXISTS tickets; DROP SEQUENCE IF EXISTS ticket_number_seq;");
}
