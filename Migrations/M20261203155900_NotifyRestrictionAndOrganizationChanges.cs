using FluentMigrator;

namespace SupportDesk.Migrations;

/// <summary>
/// Groups (restricted_to_groups) and organizations (organization_id) each recreated the users access trigger from
/// the one before them, so whichever ran last dropped the other's column. This one watches both, so the user-state
/// cache and open sockets hear of either change.
/// </summary>
[Migration(20261203155900)]
public sealed class M20261203155900_NotifyRestrictionAndOrganizationChanges : Migration
{
    public override void Up() => Execute.Sql("""
        DROP TRIGGER IF EXISTS trg_users_access_changed ON users;
        CREATE TRIGGER trg_users_access_changed
            AFTER UPDATE OF is_active, role, token_version, restricted_to_groups, organization_id ON users
            FOR EACH ROW
            WHEN (OLD.is_active IS DISTINCT FROM NEW.is_active
                  OR OLD.role IS DISTINCT FROM NEW.role
                  OR OLD.token_version IS DISTINCT FROM NEW.token_version
                  OR OLD.restricted_to_groups IS DISTINCT FROM NEW.restricted_to_groups
                  OR OLD.organization_id IS DISTINCT FROM NEW.organization_id)
            EXECUTE FUNCTION notify_user_access_changed();
        """);

    public override void Down() => Execute.Sql("""
        DROP TRIGGER IF EXISTS trg_users_access_changed ON users;
        CREATE TRIGGER trg_users_access_changed AFTER UPDATE OF is_active, role, token_version, organization_id ON users
            FOR EACH ROW
            WHEN (OLD.is_active IS DISTINCT FROM NEW.is_active
                  OR OLD.role IS DISTINCT FROM NEW.role
                  OR OLD.token_version IS DISTINCT FROM NEW.token_version
                  OR OLD.organization_id IS DISTINCT FROM NEW.organization_id)
            EXECUTE FUNCTION notify_user_access_changed();
        """);
}
