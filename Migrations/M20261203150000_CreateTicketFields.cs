using FluentMigrator;

namespace SupportDesk.Migrations;

/// <summary>
/// Admin-defined ticket fields. The key is what tickets store their value under, so it never changes and is never
/// reused (unique over deleted fields too: a new field with an old key would read the old values as its own).
/// Options are [{"value", "label"}]: tickets store the value, so renaming a label rewrites no ticket. A deleted field
/// keeps its row (deleted_at) so history that names it stays readable.
/// </summary>
[Migration(20261203150000)]
public sealed class M20261203150000_CreateTicketFields : Migration
{
    public override void Up() => Execute.Sql("""
        CREATE TABLE ticket_fields (
            id                  uuid        PRIMARY KEY,
            key                 text        NOT NULL CHECK (key ~ '^[a-z][a-z0-9_]{0,62}$'),
            label               text        NOT NULL CHECK (length(label) BETWEEN 1 AND 200),
            type                text        NOT NULL CHECK (type IN ('text', 'number', 'date', 'checkbox', 'dropdown', 'multi_select')),
            options             jsonb       NOT NULL DEFAULT '[]' CHECK (jsonb_typeof(options) = 'array'),
            required_on_create  boolean     NOT NULL DEFAULT false,
            required_to_resolve boolean     NOT NULL DEFAULT false,
            customer_visible    boolean     NOT NULL DEFAULT false,
            customer_editable   boolean     NOT NULL DEFAULT false,
            position            integer     NOT NULL DEFAULT 0,
            created_at          timestamptz NOT NULL DEFAULT now(),
            updated_at          timestamptz NOT NULL DEFAULT now(),
            deleted_at          timestamptz NULL,
            CHECK (customer_visible OR NOT customer_editable)
        );

        CREATE UNIQUE INDEX ux_ticket_fields_key ON ticket_fields (key);
        CREATE INDEX ix_ticket_fields_position ON ticket_fields (position, created_at, id) WHERE deleted_at IS NULL;

        CREATE TRIGGER trg_ticket_fields_updated_at BEFORE UPDATE ON ticket_fields
            FOR EACH ROW EXECUTE FUNCTION set_updated_at();
        """);

    public override void Down() => Execute.Sql("DROP TABLE IF EXISTS ticket_fields;");
}
