using FluentMigrator;

namespace SupportDesk.Migrations;

/// <summary>The trigger function every table with an updated_at column uses.</summary>
[Migration(20261125120000)]
public sealed class M20261125120000_CreateUpdatedAtTrigger : Migration
{
    public override void Up() => Execute.Sql("""
        CREATE OR REPLACE FUNCTION set_updated_at() RETURNS trigger
        LANGUAGE plpgsql AS $$
        BEGIN
            NEW.updated_at := now();
            RETURN NEW;
        END;
        $$;
        """);

    public override void Down() => Execute.Sql("DROP FUNCTION IF EXISTS set_updated_at();");
}
