using FluentMigrator;

namespace SupportDesk.Migrations;

/// <summary>One-time, expiring password reset tokens, stored only as SHA-256 hashes.</summary>
[Migration(20261125170100)]
public sealed class M20261125170100_CreatePasswordResetTokens : Migration
{
    public override void Up() => Execute.Sql("""
        CREATE TABLE password_reset_tokens (
            id          uuid        PRIMARY KEY,
            user_id     uuid        NOT NULL REFERENCES users (id) ON DELETE CASCADE,
            token_hash  bytea       NOT NULL UNIQUE,
            expires_at  timestamptz NOT NULL,
            used_at     timestamptz NULL,
            created_at  timestamptz NOT NULL DEFAULT now()
        );

        CREATE INDEX ix_password_reset_tokens_user ON password_reset_tokens (user_id) WHERE used_at IS NULL;
        """);

    public override void Down() => Execute.Sql("DROP TABLE IF EXISTS password_reset_tokens;");
}
