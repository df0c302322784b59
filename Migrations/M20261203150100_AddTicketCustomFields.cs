using FluentMigrator;

namespace SupportDesk.Migrations;

/// <summary>
/// Custom field values on the ticket row, keyed by field key: one JSONB object, so a ticket is still read and
/// written as one row, and filtering by a value is a containment test (custom_fields @> '{"key": value}') that the
/// GIN index answers. jsonb_path_ops indexes only what @> needs, in a smaller index than the default operator class.
/// The default is a constant, so adding the column rewrites no row.
/// </summary>
[Migration(20261203150100)]
public sealed class M20261203150100_AddTicketCustomFields : Migration
{
    public override void Up() => Execute.Sql("""
        ALTER TABLE tickets ADD COLUMN custom_fields jsonb NOT NULL DEFAULT '{}'
            CONSTRAINT ck_tickets_custom_fields_object CHECK (jsonb_typeof(custom_fields) = 'object');
        CREATE INDEX ix_tickets_custom_fields ON tickets USING gin (custom_fields jsonb_path_ops) WHERE deleted_at IS NULL;
        """);

    public override void Down() => Execute.Sql("""
        DROP INDEX IF EXISTS ix_tickets_custom_fields;
        ALTER TABLE tickets DROP COLUMN IF EXISTS custom_fields;
        """);
}
