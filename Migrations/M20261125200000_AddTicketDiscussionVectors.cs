using FluentMigrator;

namespace SupportDesk.Migrations;

/// <summary>
/// A ticket's whole discussion as one search document for staff: its own vector followed by every comment's, with
/// phrase keys, both generated and GIN-indexed. Staff global search then reads one million tickets instead of a
/// million tickets and two million comments, and "newest matching tickets" no longer needs two scans merged.
/// comments_vector is kept by triggers on comments (appended on insert, rebuilt on edit or delete), so every way
/// a comment is written keeps it. Customers' searches do not use it: private comments are in it.
/// </summary>
[Migration(20261125200000)]
public sealed class M20261125200000_AddTicketDiscussionVectors : Migration
{
    public override void Up() => Execute.Sql("""
        CREATE AGGREGATE tsvector_concat_agg(tsvector) (SFUNC = tsvector_concat, STYPE = tsvector, INITCOND = '');

        ALTER TABLE tickets ADD COLUMN comments_vector tsvector NOT NULL DEFAULT ''::tsvector;

        ALTER TABLE tickets DISABLE TRIGGER trg_tickets_updated_at;
        UPDATE tickets t SET comments_vector = c.v
        FROM (SELECT ticket_id, tsvector_concat_agg(search_vector ORDER BY created_at, id) AS v FROM comments GROUP BY ticket_id) c
        WHERE c.ticket_id = t.id;
        ALTER TABLE tickets ENABLE TRIGGER trg_tickets_updated_at;

        ALTER TABLE tickets ADD COLUMN discussion_vector tsvector
            GENERATED ALWAYS AS (coalesce(search_vector, ''::tsvector) || comments_vector) STORED;
        ALTER TABLE tickets ADD COLUMN discussion_phrase_keys int[]
            GENERATED ALWAYS AS (search_phrase_keys(coalesce(search_vector, ''::tsvector) || comments_vector)) STORED;

        CREATE INDEX ix_tickets_discussion ON tickets USING gin (discussion_vector) WHERE deleted_at IS NULL;
        CREATE INDEX ix_tickets_discussion_phrase_keys ON tickets USING gin (discussion_phrase_keys) WHERE deleted_at IS NULL;

        CREATE FUNCTION rebuild_ticket_comments_vector(ticket uuid) RETURNS void
        LANGUAGE sql AS $$
            UPDATE tickets SET comments_vector = coalesce(
                (SELECT tsvector_concat_agg(c.search_vector ORDER BY c.created_at, c.id) FROM comments c WHERE c.ticket_id = ticket),
                ''::tsvector)
            WHERE id = ticket;
        $$;

        CREATE FUNCTION comments_discussion_trigger() RETURNS trigger
        LANGUAGE plpgsql AS $$
        BEGIN
            IF TG_OP = 'INSERT' THEN
                -- The newest comment goes last, as a rebuild would put it: no need to read the others.
                UPDATE tickets SET comments_vector = comments_vector || coalesce(NEW.search_vector, ''::tsvector)
                WHERE id = NEW.ticket_id;
            ELSIF TG_OP = 'DELETE' THEN
                PERFORM rebuild_ticket_comments_vector(OLD.ticket_id);
            ELSE
                PERFORM rebuild_ticket_comments_vector(NEW.ticket_id);
                IF OLD.ticket_id <> NEW.ticket_id THEN
                    PERFORM rebuild_ticket_comments_vector(OLD.ticket_id);
                END IF;
            END IF;
            RETURN NULL;
        END;
        $$;

        CREATE TRIGGER trg_comments_discussion
            AFTER INSERT OR DELETE OR UPDATE OF content, search_vector, ticket_id ON comments
            FOR EACH ROW EXECUTE FUNCTION comments_discussion_trigger();
        """);

    public override void Down() => Execute.Sql("""
        DROP TRIGGER IF EXISTS trg_comments_discussion ON comments;
        DROP FUNCTION IF EXISTS comments_discussion_trigger();
        DROP FUNCTION IF EXISTS rebuild_ticket_comments_vector(uuid);
        ALTER TABLE tickets DROP COLUMN IF EXISTS discussion_phrase_keys;
        ALTER TABLE tickets DROP COLUMN IF EXISTS discussion_vector;
        ALTER TABLE tickets DROP COLUMN IF EXISTS comments_vector;
        DROP AGGREGATE IF EXISTS tsvector_concat_agg(tsvector);
        """);
}
