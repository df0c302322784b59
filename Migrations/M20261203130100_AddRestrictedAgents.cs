using FluentMigrator;

namespace SupportDesk.Migrations;

/// <summary>
/// An agent restricted to their groups sees only tickets of those groups, assigned to them, or their own. The flag and
/// the memberships are read by every statement that decides visibility; open sockets hear of a change through the
/// user-access channel (a membership change now notifies too), and events carry the ticket's group and assignee so
/// sockets can be told apart without a query per event.
/// </summary>
[Migration(20261203130100)]
public sealed class M20261203130100_AddRestrictedAgents : Migration
{
    public override void Up() => Execute.Sql("""
        ALTER TABLE users ADD COLUMN restricted_to_groups boolean NOT NULL DEFAULT false;

        DROP TRIGGER IF EXISTS trg_users_access_changed ON users;
        CREATE TRIGGER trg_users_access_changed AFTER UPDATE OF is_active, role, token_version, restricted_to_groups ON users
            FOR EACH ROW
            WHEN (OLD.is_active IS DISTINCT FROM NEW.is_active
                  OR OLD.role IS DISTINCT FROM NEW.role
                  OR OLD.token_version IS DISTINCT FROM NEW.token_version
                  OR OLD.restricted_to_groups IS DISTINCT FROM NEW.restricted_to_groups)
            EXECUTE FUNCTION notify_user_access_changed();

        CREATE FUNCTION notify_group_membership_changed() RETURNS trigger
        LANGUAGE plpgsql AS $$
        BEGIN
            PERFORM pg_notify('supportdesk_user_access', COALESCE(NEW.user_id, OLD.user_id)::text);
            RETURN NULL;
        END;
        $$;
        CREATE TRIGGER trg_group_members_changed AFTER INSERT OR DELETE ON group_members
            FOR EACH ROW EXECUTE FUNCTION notify_group_membership_changed();

        ALTER TABLE realtime_events ADD COLUMN group_id uuid NULL, ADD COLUMN assignee_id uuid NULL;
        """);

    public override void Down() => Execute.Sql("""
        ALTER TABLE realtime_events DROP COLUMN IF EXISTS group_id, DROP COLUMN IF EXISTS assignee_id;
        DROP TRIGGER IF EXISTS trg_group_members_changed ON group_members;
        DROP FUNCTION IF EXISTS notify_group_membership_changed();
        DROP TRIGGER IF EXISTS trg_users_access_changed ON users;
        CREATE TRIGGER trg_users_access_changed AFTER UPDATE OF is_active, role, token_version ON users
            FOR EACH ROW
            WHEN (OLD.is_active IS DISTINCT FROM NEW.is_active
                  OR OLD.role IS DISTINCT FROM NEW.role
                  OR OLD.token_version IS DISTINCT FROM NEW.token_version)
            EXECUTE FUNCTION notify_user_access_changed();
        ALTER TABLE users DROP COLUMN IF EXISTS restricted_to_groups;
        """);
}
