using FluentMigrator;

namespace SupportDesk.Migrations;

/// <summary>
/// One row per (user, Idempotency-Key): the fingerprint of the first request, who the caller was then, and once it
/// succeeded the response to replay. <c>claim</c> is the attempt that holds the key, so a stale attempt can never
/// overwrite the one that took over from it.
/// </summary>
[Migration(20261205140000)]
public sealed class M20261205140000_CreateIdempotencyKeys : Migration
{
    public override void Up() => Execute.Sql("""
        CREATE TABLE idempotency_keys (
            user_id uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
            key text NOT NULL,
            request_hash bytea NOT NULL,
            role text NOT NULL,
            restricted_to_groups boolean NOT NULL,
            claim uuid NOT NULL,
            locked_at timestamptz NOT NULL DEFAULT now(),
            status integer,
            content_type text,
            location text,
            etag text,
            body bytea,
            created_at timestamptz NOT NULL DEFAULT now(),
            PRIMARY KEY (user_id, key)
        );
        CREATE INDEX ix_idempotency_keys_created_at ON idempotency_keys (created_at);
        """);

    public override void Down() => Execute.Sql("DROP TABLE idempotency_keys;");
}
