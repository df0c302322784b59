using FluentMigrator;

namespace SupportDesk.Migrations;

/// <summary>
/// A reply asks whether the mail it answers is stored but still waiting (it then waits too). That question scanned every
/// waiting mail for the Message-ID, 1.4 ms a reply with a backlog of a few thousand; by this index it is one probe.
/// </summary>
[Migration(20261206090000)]
public sealed class M20261206090000_IndexWaitingInboundByMessageId : Migration
{
    public override void Up() => Execute.Sql(
        "CREATE INDEX IF NOT EXISTS ix_inbound_messages_waiting_message_id ON inbound_messages (message_id) WHERE status = 'received';");

    public override void Down() => Execute.Sql("DROP INDEX IF EXISTS ix_inbound_messages_waiting_message_id;");
}
