using FluentMigrator;

namespace SupportDesk.Migrations;

/// <summary>
/// Stored mail (raw inbound messages, the outbox's rendered bodies) is compressed with lz4 instead of pglz: several times
/// faster to compress, and a mail's attachments are mostly incompressible, which pglz spends its time finding out on
/// every insert. A server built without lz4 keeps pglz (the ALTER is skipped, not failed).
/// </summary>
[Migration(20261206091000)]
public sealed class M20261206091000_CompressMailWithLz4 : Migration
{
    public override void Up() => Execute.Sql(Sql("lz4"));

    public override void Down() => Execute.Sql(Sql("pglz"));

    private static string Sql(string method) => $$"""
        DO $$
        BEGIN
            IF '{{method}}' = ANY (SELECT unnest(enumvals) FROM pg_settings WHERE name = 'default_toast_compression') THEN
                ALTER TABLE inbound_messages ALTER COLUMN raw SET COMPRESSION {{method}};
                ALTER TABLE email_outbox ALTER COLUMN html_body SET COMPRESSION {{method}}, ALTER COLUMN text_body SET COMPRESSION {{method}};
            END IF;
        END $$;
        """;
}
