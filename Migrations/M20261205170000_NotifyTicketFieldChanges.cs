using FluentMigrator;

namespace SupportDesk.Migrations;

/// <summary>
/// Every change to the custom field definitions NOTIFYs supportdesk_ticket_fields (once per statement, no payload), so
/// each instance's cached catalog (TicketFieldsCache) is dropped at the commit, as the users trigger does for the
/// cached user state.
/// </summary>
[Migration(20261205170000)]
public sealed class M20261205170000_NotifyTicketFieldChanges : Migration
{
    public override void Up() => Execute.Sql("""
        CREATE OR REPLACE FUNCTION notify_ticket_fields_changed() RETURNS trigger
        LANGUAGE plpgsql AS $$
        BEGIN
            PERFORM pg_notify('supportdesk_ticket_fields', '');
            RETURN NULL;
        END;
        $$;

        CREATE TRIGGER trg_ticket_fields_changed AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON ticket_fields
            FOR EACH STATEMENT
            EXECUTE FUNCTION notify_ticket_fields_changed();
        """);

    public override void Down() => Execute.Sql("""
        DROP TRIGGER IF EXISTS trg_ticket_fields_changed ON ticket_fields;
        DROP FUNCTION IF EXISTS notify_ticket_fields_changed();
        """);
}
