using FluentMigrator;

namespace SupportDesk.Migrations;

/// <summary>
/// A secret an email carries (a password reset token) is no longer stored in the rendered bodies: they hold a
/// placeholder and sealed_secret holds the token encrypted under a key derived from JWT_SECRET (see OutboxSecrets),
/// cleared once the mail is sent. Reset mails written before this keep their link in clear; those already sent or
/// failed are redacted here (pending ones still have to go out, and their links expire within PASSWORD_RESET_MINUTES).
/// </summary>
[Migration(20261202120000)]
public sealed class M20261202120000_AddOutboxSealedSecrets : Migration
{
    public override void Up() => Execute.Sql("""
        ALTER TABLE email_outbox ADD COLUMN sealed_secret bytea NULL;

        UPDATE email_outbox SET
            html_body = regexp_replace(html_body, 'token=[^[:space:]"<&]+', 'token=SEALED-RESET-TOKEN', 'g'),
            text_body = regexp_replace(text_body, 'token=[^[:space:]"<&]+', 'token=SEALED-RESET-TOKEN', 'g')
        WHERE template_key = 'password_reset' AND status IN ('sent', 'failed');
        """);

    public override void Down() => Execute.Sql("ALTER TABLE email_outbox DROP COLUMN IF EXISTS sealed_secret;");
}
