using FluentMigrator;

namespace SupportDesk.Migrations;

[Migration(20261125120100)]
public sealed class M20261125120100_CreateUsers : Migration
{
    public override void Up()
    {
        Execute.Sql("""
            CREATE TABLE users (
                id             uuid        PRIMARY KEY,
                email          text        NOT NULL CHECK (length(email) BETWEEN 3 AND 254),
                password_hash  text        NOT NULL,
                first_name     text        NOT NULL CHECK (length(first_name) BETWEEN 1 AND 100),
                last_name      text        NOT NULL CHECK (length(last_name) BETWEEN 1 AND 100),
                role           text        NOT NULL CHECK (role IN ('admin', 'agent', 'customer')),
                is_active      boolean     NOT NULL DEFAULT true,
                -- Bumped on deactivation, role or password change: tokens carrying an older value stop working.
                token_version  integer     NOT NULL DEFAULT 0,
                created_at     timestamptz NOT NULL DEFAULT now(),
                updated_at     timestamptz NOT NULL DEFAULT now()
            );

            CREATE UNIQUE INDEX ux_users_email ON users (lower(email));
            CREATE INDEX ix_users_role_created_at ON users (role, created_at DESC, id);

            CREATE TRIGGER trg_users_updated_at BEFORE UPDATE ON users
                FOR EACH ROW EXECUTE FUNCTION set_updated_at();
            """);
    }

    public override void Down() => Execute.Sql("DROP TABLE IF EXISTS users;");
}
