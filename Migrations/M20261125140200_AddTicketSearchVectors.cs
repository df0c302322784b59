using FluentMigrator;

namespace SupportDesk.Migrations;

/// <summary>
/// Stored tsvectors for tickets (title A, description B) and comments (content, weight C), kept by triggers
/// with the configuration in search_settings, each with a GIN index. Existing rows are filled in place;
/// the updated_at triggers are off meanwhile so indexing is not mistaken for an edit.
/// </summary>
[Migration(20261125140200)]
public sealed class M20261125140200_AddTicketSearchVectors : Migration
{
    public override void Up() => Execute.Sql("""
        CREATE FUNCTION ticket_search_vector(cfg regconfig, title text, description text) RETURNS tsvector
        LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
            SELECT setweight(to_tsvector(cfg, coalesce(title, '')), 'A')
                || setweight(to_tsvector(cfg, coalesce(description, '')), 'B')
        $$;

        CREATE FUNCTION comment_search_vector(cfg regconfig, content text) RETURNS tsvector
        LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
            SELECT setweight(to_tsvector(cfg, coalesce(content, '')), 'C')
        $$;

        ALTER TABLE tickets ADD COLUMN search_vector tsvector NULL;
        ALTER TABLE comments ADD COLUMN search_vector tsvector NULL;

        ALTER TABLE tickets DISABLE TRIGGER trg_tickets_updated_at;
        UPDATE tickets SET search_vector = ticket_search_vector(search_config(), title, description);
        ALTER TABLE tickets ENABLE TRIGGER trg_tickets_updated_at;
        ALTER TABLE comments DISABLE TRIGGER trg_comments_updated_at;
        UPDATE comments SET search_vector = comment_search_vector(search_config(), content);
        ALTER TABLE comments ENABLE TRIGGER trg_comments_updated_at;

        CREATE INDEX ix_tickets_search ON tickets USING gin (search_vector) WHERE deleted_at IS NULL;
        CREATE INDEX ix_comments_search ON comments USING gin (search_vector);
        -- Search takes the newest matching comments first when a term matches very many.
        CREATE INDEX ix_comments_created_at ON comments (created_at DESC, id DESC);

        CREATE FUNCTION tickets_search_vector_trigger() RETURNS trigger
        LANGUAGE plpgsql AS $$
        BEGIN
            NEW.search_vector := ticket_search_vector(search_config(), NEW.title, NEW.description);
            RETURN NEW;
        END;
        $$;

        CREATE FUNCTION comments_search_vector_trigger() RETURNS trigger
        LANGUAGE plpgsql AS $$
        BEGIN
            NEW.search_vector := comment_search_vector(search_config(), NEW.content);
            RETURN NEW;
        END;
        $$;

        CREATE TRIGGER trg_tickets_search_vector BEFORE INSERT OR UPDATE OF title, description ON tickets
            FOR EACH ROW EXECUTE FUNCTION tickets_search_vector_trigger();
        CREATE TRIGGER trg_comments_search_vector BEFORE INSERT OR UPDATE OF content ON comments
            FOR EACH ROW EXECUTE FUNCTION comments_search_vector_trigger();
        """);

    public override void Down() => Execute.Sql("""
        DROP TRIGGER IF EXISTS trg_tickets_search_vector ON tickets;
        DROP TRIGGER IF EXISTS trg_comments_search_vector ON comments;
        DROP FUNCTION IF EXISTS tickets_search_vector_trigger();
        DROP FUNCTION IF EXISTS comments_search_vector_trigger();
        DROP INDEX IF EXISTS ix_comments_created_at;
        ALTER TABLE tickets DROP COLUMN IF EXISTS search_vector;
        ALTER TABLE comments DROP COLUMN IF EXISTS search_vector;
        DROP FUNCTION IF EXISTS ticket_search_vector(regconfig, text, text);
        DROP FUNCTION IF EXISTS comment_search_vector(regconfig, text);
        """);
}
