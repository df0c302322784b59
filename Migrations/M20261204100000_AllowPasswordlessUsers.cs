using FluentMigrator;

namespace SupportDesk.Migrations;

/// <summary>
/// An account made for an unknown mail sender has no password until its owner claims it through the reset flow:
/// password_hash is NULL for it (login treats a missing hash as "no password signs in", at the cost of one dummy
/// verify, like an unknown email), instead of a bcrypt hash of a random password.
/// </summary>
[Migration(20261204100000)]
public sealed class M20261204100000_AllowPasswordlessUsers : Migration
{
    public override void Up() => Execute.Sql("ALTER TABLE users ALTER COLUMN password_hash DROP NOT NULL;");

    // Refused while unclaimed passwordless accounts exist: no hash can be made for them in SQL.
    public override void Down() => Execute.Sql("ALTER TABLE users ALTER COLUMN password_hash SET NOT NULL;");
}
