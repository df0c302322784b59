using FluentMigrator;

namespace SupportDesk.Migrations;

/// <summary>
/// Groups (teams such as "Billing") with agents and admins as members; a ticket belongs to at most one. Deleting a
/// group leaves its tickets without one (the delete route clears them first, bumping their version and writing
/// history; the foreign key's SET NULL is the backstop). History keeps the group's id as text, so it stays readable.
/// </summary>
[Migration(20261203130000)]
public sealed class M20261203130000_CreateGroups : Migration
{
    public override void Up() => Execute.Sql("""
        CREATE TABLE groups (
            id           uuid        PRIMARY KEY,
            name         text        NOT NULL CHECK (length(name) BETWEEN 1 AND 100),
            description  text        NOT NULL DEFAULT '' CHECK (length(description) <= 1000),
            created_at   timestamptz NOT NULL DEFAULT now(),
            updated_at   timestamptz NOT NULL DEFAULT now()
        );
        -- "Billing" and "billing" are one group.
        CREATE UNIQUE INDEX ux_groups_name ON groups (lower(name));

        CREATE TRIGGER trg_groups_updated_at BEFORE UPDATE ON groups
            FOR EACH ROW EXECUTE FUNCTION set_updated_at();

        CREATE TABLE group_members (
            group_id    uuid        NOT NULL REFERENCES groups (id) ON DELETE CASCADE,
            user_id     uuid        NOT NULL REFERENCES users (id),
            created_at  timestamptz NOT NULL DEFAULT now(),
            PRIMARY KEY (group_id, user_id)
        );
        CREATE INDEX ix_group_members_user ON group_members (user_id, group_id);

        ALTER TABLE tickets ADD COLUMN group_id uuid NULL REFERENCES groups (id) ON DELETE SET NULL;
        CREATE INDEX ix_tickets_group ON tickets (group_id, created_at DESC, id DESC) WHERE deleted_at IS NULL;
        """);

    public override void Down() => Execute.Sql("""
        ALTER TABLE tickets DROP COLUMN IF EXISTS group_id;
        DROP TABLE IF EXISTS group_members;
        DROP TABLE IF EXISTS groups;
        """);
}
