using FluentMigrator;

namespace SupportDesk.Migrations;

/// <summary>Opaque refresh tokens, stored only as SHA-256 hashes, rotated on use and grouped in families.</summary>
[Migration(20261125170000)]
public sealed class M20261125170000_CreateRefreshTokens : Migration
{
    public override void Up() => Execute.Sql("""
        CREATE TABLE refresh_tokens (
            id              uuid        PRIMARY KEY,
            user_id         uuid        NOT NULL REFERENCES users (id) ON DELETE CASCADE,
            -- Every token rotated from one sign-in shares a family; re-use of a retired one revokes the family.
            family_id       uuid        NOT NULL,
            token_hash      bytea       NOT NULL UNIQUE,
            expires_at      timestamptz NOT NULL,
            replaced_at     timestamptz NULL,
            revoked_at      timestamptz NULL,
            revoked_reason  text        NULL,
            created_at      timestamptz NOT NULL DEFAULT now()
        );

        CREATE INDEX ix_refresh_tokens_family ON refresh_tokens (family_id) WHERE revoked_at IS NULL;
        CREATE INDEX ix_refresh_tokens_user ON refresh_tokens (user_id) WHERE revoked_at IS NULL;
        """);

    public override void Down() => Execute.Sql("DROP TABLE IF EXISTS refresh_tokens;");
}
