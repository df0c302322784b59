using FluentMigrator;

namespace SupportDesk.Migrations;

/// <summary>
/// Saved views: a named set of GET /tickets filters, personal or shared with groups or everyone, with an order. The
/// filters are kept as the query parameters they are (a JSON object of strings) and validated again on every use, so a
/// view whose filter no longer validates answers a clear 422 instead of running something else.
/// </summary>
[Migration(20261203130400)]
public sealed class M20261203130400_CreateTicketViews : Migration
{
    public override void Up() => Execute.Sql("""
        CREATE TABLE ticket_views (
            id           uuid        PRIMARY KEY,
            owner_id     uuid        NOT NULL REFERENCES users (id) ON DELETE CASCADE,
            name         text        NOT NULL CHECK (length(name) BETWEEN 1 AND 100),
            position     integer     NOT NULL DEFAULT 0,
            shared_with  text        NOT NULL DEFAULT 'personal' CHECK (shared_with IN ('personal', 'groups', 'everyone')),
            group_ids    uuid[]      NOT NULL DEFAULT '{}' CHECK (cardinality(group_ids) <= 50),
            filters      jsonb       NOT NULL DEFAULT '{}' CHECK (jsonb_typeof(filters) = 'object'),
            created_at   timestamptz NOT NULL DEFAULT now(),
            updated_at   timestamptz NOT NULL DEFAULT now()
        );
        CREATE INDEX ix_ticket_views_owner ON ticket_views (owner_id);
        CREATE INDEX ix_ticket_views_shared ON ticket_views (shared_with) WHERE shared_with <> 'personal';
        CREATE TRIGGER trg_ticket_views_updated_at BEFORE UPDATE ON ticket_views
            FOR EACH ROW EXECUTE FUNCTION set_updated_at();
        """);

    public override void Down() => Execute.Sql("DROP TABLE IF EXISTS ticket_views;");
}
