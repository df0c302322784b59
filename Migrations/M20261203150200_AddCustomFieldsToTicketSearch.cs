using FluentMigrator;

namespace SupportDesk.Migrations;

/// <summary>
/// Text custom field values join a ticket's search vector (weight C, like comments), so `q` and global search find a
/// ticket by its order number. Only customer_visible fields, as the definitions stand when the ticket is written:
/// customers search their own tickets, and a staff-only value must not make a ticket match for them. No ticket holds
/// values yet, so nothing is re-indexed.
/// </summary>
[Migration(20261203150200)]
public sealed class M20261203150200_AddCustomFieldsToTicketSearch : Migration
{
    public override void Up() => Execute.Sql("""
        CREATE FUNCTION ticket_custom_fields_vector(cfg regconfig, custom_fields jsonb) RETURNS tsvector
        LANGUAGE sql STABLE PARALLEL SAFE AS $$
            SELECT CASE WHEN custom_fields = '{}'::jsonb THEN ''::tsvector ELSE (
                SELECT setweight(to_tsvector(cfg, coalesce(string_agg(custom_fields ->> f.key, ' ' ORDER BY f.key), '')), 'C')
                FROM ticket_fields f
                WHERE custom_fields ? f.key AND f.type = 'text' AND f.customer_visible AND f.deleted_at IS NULL
            ) END
        $$;

        CREATE OR REPLACE FUNCTION tickets_search_vector_trigger() RETURNS trigger
        LANGUAGE plpgsql AS $$
        BEGIN
            NEW.search_vector := ticket_search_vector(search_config(), NEW.title, NEW.description)
                || ticket_custom_fields_vector(search_config(), NEW.custom_fields);
            RETURN NEW;
        END;
        $$;

        DROP TRIGGER trg_tickets_search_vector ON tickets;
        CREATE TRIGGER trg_tickets_search_vector BEFORE INSERT OR UPDATE OF title, description, custom_fields ON tickets
            FOR EACH ROW EXECUTE FUNCTION tickets_search_vector_trigger();
        """);

    public override void Down() => Execute.Sql("""
        DROP TRIGGER trg_tickets_search_vector ON tickets;
        CREATE OR REPLACE FUNCTION tickets_search_vector_trigger() RETURNS trigger
        LANGUAGE plpgsql AS $$
        BEGIN
            NEW.search_vector := ticket_search_vector(search_config(), NEW.title, NEW.description);
            RETURN NEW;
        END;
        $$;
        CREATE TRIGGER trg_tickets_search_vector BEFORE INSERT OR UPDATE OF title, description ON tickets
            FOR EACH ROW EXECUTE FUNCTION tickets_search_vector_trigger();
        DROP FUNCTION IF EXISTS ticket_custom_fields_vector(regconfig, jsonb);
        """);
}
