using FluentMigrator;

namespace SupportDesk.Migrations;

[Migration(20261125130100)]
public sealed class M20261125130100_CreateComments : Migration
{
    public override void Up() => Execute.Sql("""
        CREATE TABLE comments (
            id            uuid        PRIMARY KEY,
            ticket_id     uuid        NOT NULL REFERENCES tickets (id),
            author_id     uuid        NOT NULL REFERENCES users (id),
            content       text        NOT NULL CHECK (length(content) BETWEEN 1 AND 20000),
            comment_type  text        NOT NULL CHECK (comment_type IN ('public', 'private')),
            created_at    timestamptz NOT NULL DEFAULT now(),
            updated_at    timestamptz NOT NULL DEFAULT now()
        );

        CREATE INDEX ix_comments_ticket ON comments (ticket_id, created_at, id);
        CREATE INDEX ix_comments_author ON comments (author_id);

        CREATE TRIGGER trg_comments_updated_at BEFORE UPDATE ON comments
            FOR EACH ROW EXECUTE FUNCTION set_updated_at();
        """);

    public override void Down() => Execute.Sql("DROP TABLE IF EXISTS comments;");
}
