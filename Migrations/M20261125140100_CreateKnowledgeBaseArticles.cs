using FluentMigrator;

namespace SupportDesk.Migrations;

/// <summary>
/// Knowledge base articles with a stored, weighted tsvector (title A, tags B, content C). The vector is kept by
/// a trigger rather than a generated column because its configuration comes from search_settings, which a
/// generated column (immutable expressions only) cannot read.
/// </summary>
[Migration(20261125140100)]
public sealed class M20261125140100_CreateKnowledgeBaseArticles : Migration
{
    public override void Up() => Execute.Sql("""
        -- array_to_string is only STABLE in general; over text[] it is immutable, so the wrapper says so.
        CREATE FUNCTION article_search_vector(cfg regconfig, title text, tags text[], content text) RETURNS tsvector
        LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
            SELECT setweight(to_tsvector(cfg, coalesce(title, '')), 'A')
                || setweight(to_tsvector(cfg, coalesce(array_to_string(tags, ' '), '')), 'B')
                || setweight(to_tsvector(cfg, coalesce(content, '')), 'C')
        $$;

        CREATE TABLE knowledge_base_articles (
            id             uuid        PRIMARY KEY,
            title          text        NOT NULL CHECK (length(title) BETWEEN 1 AND 200),
            content        text        NOT NULL CHECK (length(content) BETWEEN 1 AND 100000),
            category       text        NOT NULL CHECK (length(category) BETWEEN 1 AND 100),
            tags           text[]      NOT NULL DEFAULT '{}' CHECK (cardinality(tags) <= 20),
            is_published   boolean     NOT NULL DEFAULT false,
            author_id      uuid        NOT NULL REFERENCES users (id),
            slug           text        NOT NULL CHECK (slug ~ '^[a-z0-9]+(-[a-z0-9]+)*$' AND length(slug) <= 100),
            view_count     bigint      NOT NULL DEFAULT 0,
            created_at     timestamptz NOT NULL DEFAULT now(),
            updated_at     timestamptz NOT NULL DEFAULT now(),
            search_vector  tsvector    NULL
        );

        CREATE UNIQUE INDEX ux_knowledge_base_articles_slug ON knowledge_base_articles (slug);
        CREATE INDEX ix_knowledge_base_articles_search ON knowledge_base_articles USING gin (search_vector);
        -- Newest-first listing and search candidates: all articles (staff) and published ones (everyone else).
        CREATE INDEX ix_knowledge_base_articles_created_at ON knowledge_base_articles (created_at DESC, id DESC);
        CREATE INDEX ix_knowledge_base_articles_published ON knowledge_base_articles (created_at DESC, id DESC) WHERE is_published;
        CREATE INDEX ix_knowledge_base_articles_category ON knowledge_base_articles (category, created_at DESC, id DESC);
        CREATE INDEX ix_knowledge_base_articles_published_category ON knowledge_base_articles (category, created_at DESC, id DESC) WHERE is_published;
        CREATE INDEX ix_knowledge_base_articles_tags ON knowledge_base_articles USING gin (tags);
        CREATE INDEX ix_knowledge_base_articles_author ON knowledge_base_articles (author_id);

        CREATE FUNCTION knowledge_base_articles_search_vector_trigger() RETURNS trigger
        LANGUAGE plpgsql AS $$
        BEGIN
            NEW.search_vector := article_search_vector(search_config(), NEW.title, NEW.tags, NEW.content);
            RETURN NEW;
        END;
        $$;

        CREATE TRIGGER trg_knowledge_base_articles_search_vector
            BEFORE INSERT OR UPDATE OF title, tags, content ON knowledge_base_articles
            FOR EACH ROW EXECUTE FUNCTION knowledge_base_articles_search_vector_trigger();

        -- Not on view_count: reading an article is not an edit.
        CREATE TRIGGER trg_knowledge_base_articles_updated_at
            BEFORE UPDATE OF title, content, category, tags, is_published, slug ON knowledge_base_articles
            FOR EACH ROW EXECUTE FUNCTION set_updated_at();
        """);

    public override void Down() => Execute.Sql("""
        DROP TABLE IF EXISTS knowledge_base_articles;
        DROP FUNCTION IF EXISTS knowledge_base_articles_search_vector_trigger();
        DROP FUNCTION IF EXISTS article_search_vector(regconfig, text, text[], text);
        """);
}
