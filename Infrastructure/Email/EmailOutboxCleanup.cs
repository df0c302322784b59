using Npgsql;
using SupportDesk.Infrastructure.Configuration;
using SupportDesk.Infrastructure.Database;

namespace SupportDesk.Infrastructure.Email;

/// <summary>
/// Deletes sent emails older than EMAIL_RETENTION_DAYS (0 keeps them). Pending and failed rows are never
/// deleted: they are work still to do or to look at.
/// </summary>
public sealed class EmailOutboxCleanup(
    AppSettings settings, NpgsqlDataSource dataSource, TimeProvider clock, ILogger<EmailOutboxCleanup> logger)
    : RetentionJob(dataSource, clock, logger)
{
    protected override string What => "sent emails past their retention";

    protected override TimeSpan Retention => TimeSpan.FromDays(settings.Email.RetentionDays);

    protected override string DeleteBatchSql => $"""
        DELETE FROM email_outbox
        WHERE id IN (SELECT id FROM email_outbox WHERE status = 'sent' AND sent_at < @Cutoff LIMIT {BatchSize})
        """;
}
