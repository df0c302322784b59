using Dapper;
using Npgsql;
using SupportDesk.Infrastructure.Database;
using SupportDesk.Infrastructure.Attachments;
using SupportDesk.Infrastructure.Configuration;
using SupportDesk.Infrastructure.Inbound;

namespace SupportDesk.Features.Inbound.ProcessInbound;

/// <summary>
/// Turns stored mail into tickets and comments. Each message is claimed with FOR UPDATE SKIP LOCKED and processed in that
/// same transaction, so several workers (and instances) never take one message twice, and a crash mid-way rolls back to
/// "received" with nothing half-done. A message that throws is kept as failed with its error (an admin retries it).
/// Runs where INBOUND_SMTP_PORT or INBOUND_IMAP_URL is set.
/// </summary>
public sealed class InboundWorker(NpgsqlDataSource dataSource, InboundMailProcessor processor, IAttachmentStore store, AppSettings settings,
    ILogger<InboundWorker> logger) : BackgroundService
{
    private const int MaxErrorLength = 2000;
    private static readonly TimeSpan PollInterval = TimeSpan.FromSeconds(1);

    private const string ClaimSql = """
        SELECT id, raw, envelope_from FROM inbound_messages
        WHERE status = 'received'
        ORDER BY received_at, id
        LIMIT 1
        FOR UPDATE SKIP LOCKED
        """;

    private const string DoneSql = """
        UPDATE inbound_messages SET status = @Status, reason = @Reason, error = NULL, attempts = attempts + 1, is_auto = @IsAuto,
            ticket_id = @TicketId, comment_id = @CommentId, opened_ticket = @OpenedTicket, processed_at = now()
        WHERE id = @Id
        """;

    private const string FailedSql = """
        UPDATE inbound_messages SET status = 'failed', error = @Error, attempts = attempts + 1, processed_at = now()
        WHERE id = @Id AND status = 'received'
        """;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        // Only an instance that takes mail in (a listener or a mailbox) processes it: the others hold no connections for it.
        if (settings.Inbound.SmtpPort == 0 && settings.Inbound.ImapUrls.Count == 0)
            return;
        await Task.Yield();
        await Task.WhenAll(Enumerable.Range(0, settings.Inbound.Workers).Select(_ => RunAsync(stoppingToken)));
    }

    private async Task RunAsync(CancellationToken ct)
    {
        await using var wakeUp = new NotifyWakeUp(dataSource, InboundStore.NotifyChannel, logger);
        while (!ct.IsCancellationRequested)
        {
            var worked = false;
            try
            {
                worked = await ProcessNextAsync(ct);
            }
            catch (OperationCanceledException) when (ct.IsCancellationRequested)
            {
                return;
            }
            // Survives a database outage; the message stays received and is tried again.
            catch (Exception e)
            {
                logger.LogError(e, "Inbound worker round failed");
            }
            if (worked)
                continue;
            try
            {
                await wakeUp.WaitAsync(PollInterval, ct);
            }
            catch (OperationCanceledException) when (ct.IsCancellationRequested)
            {
                return;
            }
        }
    }

    /// <summary>Processes one due message, if there is one; true when it did.</summary>
    internal async Task<bool> ProcessNextAsync(CancellationToken ct)
    {
        var staged = new InboundMailProcessor.StagedFiles();
        Guid id;
        Exception? failure = null;
        await using (var connection = await dataSource.OpenConnectionAsync(ct))
        {
            await using var transaction = await connection.BeginTransactionAsync(ct);
            var row = await connection.QuerySingleOrDefaultAsync<ClaimedInboundMessage>(new CommandDefinition(ClaimSql, transaction: transaction, cancellationToken: ct));
            if (row is null)
                return false;
            id = row.Id;
            try
            {
                await connection.ExecuteAsync(new CommandDefinition("SAVEPOINT work", transaction: transaction, cancellationToken: ct));
                var outcome = await processor.ProcessAsync(connection, transaction, row, staged, ct);
                if (outcome.Status != InboundMessageStatus.Processed)
                {
                    // Flagged: nothing of the half-made work stays (a user created on the way, say).
                    await connection.ExecuteAsync(new CommandDefinition("ROLLBACK TO SAVEPOINT work", transaction: transaction, cancellationToken: ct));
                    Discard(staged);
                }
                await connection.ExecuteAsync(new CommandDefinition(DoneSql, new
                {
                    Id = row.Id,
                    outcome.Status,
                    outcome.Reason,
                    outcome.IsAuto,
                    outcome.TicketId,
                    outcome.CommentId,
                    outcome.OpenedTicket,
                }, transaction, cancellationToken: ct));
                await transaction.CommitAsync(ct);
            }
            catch (Exception e) when (!ct.IsCancellationRequested)
            {
                failure = e;
                await transaction.RollbackAsync(CancellationToken.None);
            }
            catch
            {
                Discard(staged);
                throw;
            }
        }

        if (failure is not null)
        {
            Discard(staged);
            logger.LogWarning(failure, "Inbound message {InboundId} could not be processed; kept as failed", id);
            await using var connection = await dataSource.OpenConnectionAsync(CancellationToken.None);
            var text = $"{failure.GetType().Name}: {failure.Message}";
            await connection.ExecuteAsync(new CommandDefinition(FailedSql,
                new { Id = id, Error = InboundStore.Clean(text, MaxErrorLength) }, cancellationToken: CancellationToken.None));
            return true;
        }

        // After the commit, as for uploads: no row is readable before its bytes, no bytes are published for a rolled-back row.
        foreach (var file in staged.Kept)
            await store.PublishAsync(file, CancellationToken.None);
        if (staged.Kept.Count > 0)
            AttachmentMetrics.Stored(staged.Kept.Sum(f => f.Size));
        return true;
    }

    private void Discard(InboundMailProcessor.StagedFiles staged)
    {
        foreach (var file in staged.Kept)
            store.Discard(file);
        staged.Kept.Clear();
    }
}
