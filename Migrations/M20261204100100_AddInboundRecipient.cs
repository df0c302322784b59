using FluentMigrator;

namespace SupportDesk.Migrations;

/// <summary>
/// The address a stored mail was sent to (the SMTP envelope recipient that is ours), so a ticket it opens is routed by
/// the routing rules' inbound_address. NULL for IMAP and older rows: the worker then reads it from the headers.
/// </summary>
[Migration(20261204100100)]
public sealed class M20261204100100_AddInboundRecipient : Migration
{
    public override void Up() => Execute.Sql("ALTER TABLE inbound_messages ADD COLUMN recipient text NULL CHECK (length(recipient) <= 320);");

    public override void Down() => Execute.Sql("ALTER TABLE inbound_messages DROP COLUMN IF EXISTS recipient;");
}
