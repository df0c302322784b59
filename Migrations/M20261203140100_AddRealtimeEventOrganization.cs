using FluentMigrator;

namespace SupportDesk.Migrations;

/// <summary>
/// An event's audience also names the requester's shared organization at the time (no foreign key, as for the other
/// audience columns), so a listener reading the row back routes it to the requester's colleagues as NOTIFY does.
/// </summary>
[Migration(20261203140100)]
public sealed class M20261203140100_AddRealtimeEventOrganization : Migration
{
    public override void Up() => Execute.Sql("ALTER TABLE realtime_events ADD COLUMN organization_id uuid NULL;");

    public override void Down() => Execute.Sql("ALTER TABLE realtime_events DROP COLUMN IF EXISTS organization_id;");
}
