using System.Data;
using Dapper;
using Npgsql;
using SupportDesk.Infrastructure.Database;
using SupportDesk.Infrastructure.Attachments;
using SupportDesk.Infrastructure.Configuration;
using SupportDesk.Infrastructure.Inbound;

namespace SupportDesk.Features.Inbound.ProcessInbound;

/// <summary>
/// Turns stored mail into tickets and comments. A batch of messages is claimed with FOR UPDATE SKIP LOCKED and processed
/// in that same transaction, each message in a savepoint of its own, so several workers (and instances) never take one
/// message twice, a crash mid-way rolls the batch back to "received" with nothing half-done, and the batch costs one
/// commit. A message that throws is rolled back to its savepoint and kept as failed with its error (an admin retries
/// it); the others of its batch go on. Runs where INBOUND_SMTP_PORT or INBOUND_IMAP_URL is set.
/// </summary>
public sealed class InboundWorker(NpgsqlDataSource dataSource, InboundDatabase inboundDatabase, InboundMailProcessor processor, IAttachmentStore store,
    AppSettings settings, InboundSignal signal, ILogger<InboundWorker> logger) : BackgroundService
{
    private const int MaxErrorLength = 2000;

    /// <summary>Messages one transaction claims (fewer when fewer are waiting).</summary>
    internal const int BatchSize = 16;

    /// <summary>Larger messages are read one at a time when their turn comes, so a batch holds at most this much per message in memory.</summary>
    private const int InlineBytes = 1024 * 1024;

    private static readonly TimeSpan PollInterval = TimeSpan.FromSeconds(1);

    private const string ClaimSql = """
        SELECT id, envelope_from, recipient, CASE WHEN size <= @InlineBytes THEN raw END AS raw
        FROM inbound_messages
        WHERE status = 'received'
        ORDER BY received_at, id
        LIMIT @BatchSize
        FOR UPDATE SKIP LOCKED
        """;

    private const string RawSql = "SELECT raw FROM inbound_messages WHERE id = @Id";

    private const string DoneSql = """
        UPDATE inbound_messages SET status = @Status, reason = @Reason, error = NULL, attempts = attempts + 1, is_auto = @IsAuto,
            ticket_id = @TicketId, comment_id = @CommentId, opened_ticket = @OpenedTicket, processed_at = now()
        WHERE id = @Id
        """;

    private const string FailedSql = """
        UPDATE inbound_messages SET status = 'failed', error = @Error, attempts = attempts + 1, processed_at = now()
        WHERE id = @Id AND status = 'received'
        """;

    // Each message's work happens between these; the next one's savepoint rides along with the previous outcome.
    private const string Savepoint = "SAVEPOINT mail";
    private const string Undo = "ROLLBACK TO SAVEPOINT mail;\n";
    private const string Next = ";\nRELEASE SAVEPOINT mail;\nSAVEPOINT mail";

    private sealed class ClaimedRow
    {
        public Guid Id { get; init; }
        public string? EnvelopeFrom { get; init; }
        public string? Recipient { get; init; }
        public byte[]? Raw { get; init; }
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        // Only an instance that takes mail in (a listener or a mailbox) processes it: the others hold no connections for it.
        if (settings.Inbound.SmtpPort == 0 && settings.Inbound.ImapUrls.Count == 0)
            return;
        await Task.Yield();
        await Task.WhenAll(Enumerable.Range(0, settings.Inbound.Workers).Select(_ => RunAsync(stoppingToken)).Append(ListenAsync(stoppingToken)));
    }

    /// <summary>One LISTEN for all workers of the instance (a retry anywhere); each second without one is a poll.</summary>
    private async Task ListenAsync(CancellationToken ct)
    {
        await using var wakeUp = new NotifyWakeUp(dataSource, InboundStore.NotifyChannel, logger);
        while (!ct.IsCancellationRequested)
        {
            try
            {
                await wakeUp.WaitAsync(PollInterval, ct);
            }
            catch (OperationCanceledException) when (ct.IsCancellationRequested)
            {
                return;
            }
            catch (Exception e)
            {
                logger.LogError(e, "Inbound wake-up failed; polling");
                await Task.Delay(PollInterval, ct).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
            }
            signal.Set();
        }
    }

    private async Task RunAsync(CancellationToken ct)
    {
        while (!ct.IsCancellationRequested)
        {
            // Taken before looking, so a message stored after an empty look still wakes this worker.
            var wake = signal.Next;
            var claimed = 0;
            try
            {
                claimed = await ProcessBatchAsync(ct);
            }
            catch (OperationCanceledException) when (ct.IsCancellationRequested)
            {
                return;
            }
            // Survives a database outage; the messages stay received and are tried again.
            catch (Exception e)
            {
                logger.LogError(e, "Inbound worker round failed");
            }
            if (claimed > 0)
            {
                // A mail another worker left waiting for one of these can go now.
                signal.Set();
                continue;
            }
            try
            {
                await wake.WaitAsync(ct);
            }
            catch (OperationCanceledException) when (ct.IsCancellationRequested)
            {
                return;
            }
        }
    }

    /// <summary>
    /// Processes one batch of due messages; returns how many it finished (0: none was due, or all of them wait for the
    /// mails they answer, which another worker holds: the caller then waits for a wake-up).
    /// </summary>
    internal async Task<int> ProcessBatchAsync(CancellationToken ct)
    {
        var kept = new List<StagedAttachment>();
        ClaimedRow? current = null;
        int claimed;
        var waiting = 0;
        try
        {
            // The workers' own pool, whose connections keep their statements prepared (InboundDatabase).
            await using var connection = await inboundDatabase.DataSource.OpenConnectionAsync(ct);
            await using var transaction = await connection.BeginTransactionAsync(ct);
            var rows = (await connection.QueryAsync<ClaimedRow>(new CommandDefinition(ClaimSql, new { BatchSize, InlineBytes }, transaction, cancellationToken: ct))).AsList();
            if (rows.Count == 0)
                return 0;
            await connection.ExecuteAsync(new CommandDefinition(Savepoint, transaction: transaction, cancellationToken: ct));
            for (var i = 0; i < rows.Count; i++)
            {
                current = rows[i];
                var next = i + 1 < rows.Count ? Next : "";
                var staged = new InboundMailProcessor.StagedFiles();
                try
                {
                    var raw = current.Raw ?? await connection.ExecuteScalarAsync<byte[]>(new CommandDefinition(RawSql, new { current.Id }, transaction, cancellationToken: ct));
                    var outcome = await processor.ProcessAsync(connection, transaction,
                        new ClaimedInboundMessage { Id = current.Id, Raw = raw ?? [], EnvelopeFrom = current.EnvelopeFrom, Recipient = current.Recipient }, staged, ct);
                    // Flagged: nothing of the half-made work stays (a user created on the way, say).
                    var undo = outcome.Status != InboundMessageStatus.Processed;
                    if (undo)
                        Discard(staged.Kept);
                    // Still received (it waits for the mail it answers): untouched, it is claimed again after this commit.
                    if (outcome.Status == InboundMessageStatus.Received)
                    {
                        waiting++;
                        await connection.ExecuteAsync(new CommandDefinition(Undo + next.TrimStart(';', '\n'), transaction: transaction, cancellationToken: ct));
                        continue;
                    }
                    await connection.ExecuteAsync(new CommandDefinition((undo ? Undo : "") + DoneSql + next, new
                    {
                        current.Id,
                        outcome.Status,
                        outcome.Reason,
                        outcome.IsAuto,
                        outcome.TicketId,
                        outcome.CommentId,
                        outcome.OpenedTicket,
                    }, transaction, cancellationToken: ct));
                    kept.AddRange(staged.Kept);
                }
                catch (Exception e) when (!ct.IsCancellationRequested && connection.FullState == ConnectionState.Open)
                {
                    Discard(staged.Kept);
                    await connection.ExecuteAsync(new CommandDefinition(Undo.TrimEnd(';', '\n'), transaction: transaction, cancellationToken: CancellationToken.None));
                    // The statement that failed may have been the run preparing it; it is prepared afresh next time.
                    InboundDatabase.Forget(connection);
                    // A deadlock with another worker's batch (two batches answering the same tickets in another order)
                    // or a lost lock race: nothing is wrong with the mail. It stays received and goes in a later batch.
                    if (IsTransient(e))
                    {
                        waiting++;
                        logger.LogInformation(e, "Inbound message {InboundId} met a lock conflict; it is tried again", current.Id);
                        if (next.Length > 0)
                            await connection.ExecuteAsync(new CommandDefinition(next.TrimStart(';', '\n'), transaction: transaction, cancellationToken: CancellationToken.None));
                        continue;
                    }
                    logger.LogWarning(e, "Inbound message {InboundId} could not be processed; kept as failed", current.Id);
                    await connection.ExecuteAsync(new CommandDefinition(FailedSql + next,
                        new { current.Id, Error = ErrorText(e) }, transaction, cancellationToken: CancellationToken.None));
                }
                catch
                {
                    Discard(staged.Kept);
                    throw;
                }
            }
            current = null;
            await transaction.CommitAsync(ct);
            claimed = rows.Count - waiting;
        }
        // The connection itself broke on a message: the whole batch rolled back. That message is kept as failed (as one
        // that throws is); the others are received again and go in the next batch.
        catch (Exception e) when (current is not null && !ct.IsCancellationRequested)
        {
            Discard(kept);
            // What the broken connection had prepared is not trusted on any of the pool's connections.
            inboundDatabase.ForgetAll();
            logger.LogWarning(e, "Inbound message {InboundId} could not be processed; kept as failed", current.Id);
            await using var connection = await dataSource.OpenConnectionAsync(CancellationToken.None);
            await connection.ExecuteAsync(new CommandDefinition(FailedSql, new { current.Id, Error = ErrorText(e) }, cancellationToken: CancellationToken.None));
            return 1;
        }
        catch
        {
            Discard(kept);
            inboundDatabase.ForgetAll();
            throw;
        }

        // After the commit, as for uploads: no row is readable before its bytes, no bytes are published for a rolled-back row.
        foreach (var file in kept)
            await store.PublishAsync(file, CancellationToken.None);
        if (kept.Count > 0)
            AttachmentMetrics.Stored(kept.Sum(f => f.Size));
        return claimed;
    }

    private static bool IsTransient(Exception e) => e is PostgresException
    {
        SqlState: PostgresErrorCodes.DeadlockDetected or PostgresErrorCodes.SerializationFailure or PostgresErrorCodes.LockNotAvailable,
    };

    private static string? ErrorText(Exception e) => InboundStore.Clean($"{e.GetType().Name}: {e.Message}", MaxErrorLength);

    private void Discard(List<StagedAttachment> files)
    {
        foreach (var file in files)
            store.Discard(file);
        files.Clear();
    }
}
