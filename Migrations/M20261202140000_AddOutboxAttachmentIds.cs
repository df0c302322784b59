using FluentMigrator;

namespace SupportDesk.Migrations;

/// <summary>The files a reply email is about; with EMAIL_ATTACH_FILES the sender attaches those still on a public comment.</summary>
[Migration(20261202140000)]
public sealed class M20261202140000_AddOutboxAttachmentIds : Migration
{
    public override void Up() => Execute.Sql("ALTER TABLE email_outbox ADD COLUMN attachment_ids uuid[] NULL");

    public override void Down() => Execute.Sql("ALTER TABLE email_outbox DROP COLUMN IF EXISTS attachment_ids");
}
