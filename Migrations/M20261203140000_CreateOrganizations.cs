using FluentMigrator;

namespace SupportDesk.Migrations;

/// <summary>
/// Customers' companies. A domain belongs to at most one organization (stored lower-case, unique), so registration
/// and inbound mail can place a customer by their address. users.organization_id is the membership; deleting an
/// organization leaves its members without one. A change of membership or of `shared` tells open WebSockets at commit
/// (the users trigger and the organizations trigger below), as a role change does.
/// </summary>
[Migration(20261203140000)]
public sealed class M20261203140000_CreateOrganizations : Migration
{
    public override void Up() => Execute.Sql("""
        CREATE TABLE organizations (
            id               uuid        PRIMARY KEY,
            name             text        NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
            notes            text        NOT NULL DEFAULT '' CHECK (length(notes) <= 10000),
            -- Members may read each other's tickets (never private comments), and reply publicly if shared_comments.
            shared           boolean     NOT NULL DEFAULT false,
            shared_comments  boolean     NOT NULL DEFAULT false,
            created_at       timestamptz NOT NULL DEFAULT now(),
            updated_at       timestamptz NOT NULL DEFAULT now()
        );

        CREATE INDEX ix_organizations_name ON organizations (lower(name), id);

        CREATE TRIGGER trg_organizations_updated_at BEFORE UPDATE ON organizations
            FOR EACH ROW EXECUTE FUNCTION set_updated_at();

        CREATE TABLE organization_domains (
            domain           text NOT NULL CHECK (domain = lower(domain) AND length(domain) BETWEEN 1 AND 253),
            organization_id  uuid NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
            CONSTRAINT ux_organization_domains_domain PRIMARY KEY (domain)
        );

        CREATE INDEX ix_organization_domains_organization ON organization_domains (organization_id);

        ALTER TABLE users ADD COLUMN organization_id uuid NULL REFERENCES organizations (id) ON DELETE SET NULL;
        CREATE INDEX ix_users_organization ON users (organization_id, id) WHERE organization_id IS NOT NULL;

        DROP TRIGGER trg_users_access_changed ON users;
        CREATE TRIGGER trg_users_access_changed AFTER UPDATE OF is_active, role, token_version, organization_id ON users
            FOR EACH ROW
            WHEN (OLD.is_active IS DISTINCT FROM NEW.is_active
                  OR OLD.role IS DISTINCT FROM NEW.role
                  OR OLD.token_version IS DISTINCT FROM NEW.token_version
                  OR OLD.organization_id IS DISTINCT FROM NEW.organization_id)
            EXECUTE FUNCTION notify_user_access_changed();

        -- Sharing switched off (or on) changes what every member's sockets may receive.
        CREATE FUNCTION notify_organization_access_changed() RETURNS trigger
        LANGUAGE plpgsql AS $$
        BEGIN
            PERFORM pg_notify('supportdesk_user_access', OLD.id::text);
            RETURN NULL;
        END;
        $$;

        CREATE TRIGGER trg_organizations_access_changed AFTER UPDATE OF shared ON organizations
            FOR EACH ROW WHEN (OLD.shared IS DISTINCT FROM NEW.shared)
            EXECUTE FUNCTION notify_organization_access_changed();
        """);

    public override void Down() => Execute.Sql("""
        DROP TRIGGER IF EXISTS trg_organizations_access_changed ON organizations;
        DROP FUNCTION IF EXISTS notify_organization_access_changed();
        DROP TRIGGER IF EXISTS trg_users_access_changed ON users;
        CREATE TRIGGER trg_users_access_changed AFTER UPDATE OF is_active, role, token_version ON users
            FOR EACH ROW
            WHEN (OLD.is_active IS DISTINCT FROM NEW.is_active
                  OR OLD.role IS DISTINCT FROM NEW.role
                  OR OLD.token_version IS DISTINCT FROM NEW.token_version)
            EXECUTE FUNCTION notify_user_access_changed();
        ALTER TABLE users DROP COLUMN IF EXISTS organization_id;
        DROP TABLE IF EXISTS organization_domains;
        DROP TABLE IF EXISTS organizations;
        """);
}
