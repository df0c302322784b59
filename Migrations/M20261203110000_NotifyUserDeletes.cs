using FluentMigrator;

namespace SupportDesk.Migrations;

/// <summary>
/// A deleted user's cached state (UserStateCache) and open sockets must go at commit too: the users trigger's NOTIFY
/// now also fires on DELETE, with the old row's id.
/// </summary>
[Migration(20261203110000)]
public sealed class M20261203110000_NotifyUserDeletes : Migration
{
    public override void Up() => Execute.Sql("""
        CREATE OR REPLACE FUNCTION notify_user_access_changed() RETURNS trigger
        LANGUAGE plpgsql AS $$
        BEGIN
            PERFORM pg_notify('supportdesk_user_access', (CASE WHEN TG_OP = 'DELETE' THEN OLD.id ELSE NEW.id END)::text);
            RETURN NULL;
        END;
        $$;

        CREATE TRIGGER trg_users_access_deleted AFTER DELETE ON users
            FOR EACH ROW
            EXECUTE FUNCTION notify_user_access_changed();
        """);

    public override void Down() => Execute.Sql("""
        DROP TRIGGER IF EXISTS trg_users_access_deleted ON users;
        CREATE OR REPLACE FUNCTION notify_user_access_changed() RETURNS trigger
        LANGUAGE plpgsql AS $$
        BEGIN
            PERFORM pg_notify('supportdesk_user_access', NEW.id::text);
            RETURN NULL;
        END;
        $$;
        """);
}
