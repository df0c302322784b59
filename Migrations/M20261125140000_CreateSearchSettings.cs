using FluentMigrator;

namespace SupportDesk.Migrations;

/// <summary>
/// The text search configuration the stored vectors were built with. One row; start-up compares it with
/// SEARCH_LANGUAGE, and `search reindex` changes it together with every stored vector, so vectors and
/// queries never disagree.
/// </summary>
[Migration(20261125140000)]
public sealed class M20261125140000_CreateSearchSettings : Migration
{
    public override void Up() => Execute.Sql("""
        CREATE TABLE search_settings (
            singleton  boolean    PRIMARY KEY DEFAULT true CHECK (singleton),
            config     regconfig  NOT NULL
        );
        INSERT INTO search_settings (config) VALUES ('english');

        CREATE FUNCTION search_config() RETURNS regconfig
        LANGUAGE sql STABLE PARALLEL SAFE AS $$ SELECT config FROM search_settings $$;
        """);

    public override void Down() => Execute.Sql("""
        DROP FUNCTION IF EXISTS search_config();
        DROP TABLE IF EXISTS search_settings;
        """);
}
