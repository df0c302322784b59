using System.Security.Cryptography;
using Dapper;
using Microsoft.Extensions.DependencyInjection;
using MimeKit;
using SupportDesk.Infrastructure.Inbound;

namespace SupportDesk.Tests.Features.Inbound;

/// <summary>
/// The workers claim stored mail in batches, one transaction per batch and a savepoint per mail: what one mail does
/// wrong stays with that mail, and no mail is processed twice, however many instances take part.
/// </summary>
[Collection(InboundCollection.Name)]
public sealed class InboundWorkerTests(InboundFixture inbound)
{
    /// <summary>Stores the mails in one transaction (so the workers find them together, as one batch), then wakes them.</summary>
    private async Task StoreTogetherAsync(IEnumerable<MimeMessage> messages, bool wake = true)
    {
        await using var db = await inbound.OpenAsync();
        await using var tx = await db.BeginTransactionAsync();
        foreach (var message in messages)
        {
            using var stream = new MemoryStream();
            await message.WriteToAsync(stream);
            var raw = stream.ToArray();
            var from = message.From.Mailboxes.First().Address;
            await db.ExecuteAsync("""
                INSERT INTO inbound_messages (id, source, raw, size, sha256, dedup_key, message_id, envelope_from, sender, subject)
                VALUES (@Id, 'smtp', @Raw, @Size, @Sha, @Key, @MessageId, @From, @From, @Subject)
                """, new
            {
                Id = Guid.CreateVersion7(), Raw = raw, Size = raw.Length, Sha = Convert.ToHexStringLower(SHA256.HashData(raw)),
                Key = InboundStore.DedupKey(raw, $"<{message.MessageId}>", from, message.Subject), MessageId = $"<{message.MessageId}>", From = from,
                message.Subject,
            }, tx);
        }
        if (wake)
            await db.ExecuteAsync($"SELECT pg_notify('{InboundStore.NotifyChannel}', '')", transaction: tx);
        await tx.CommitAsync();
    }

    [Fact]
    public async Task A_mail_that_fails_in_a_batch_is_kept_failed_with_its_error_and_the_others_of_the_batch_are_processed()
    {
        var poison = $"poison-{Guid.NewGuid():N}";
        var trigger = $"trg_{poison.Replace('-', '_')}";
        await using (var db = await inbound.OpenAsync())
            await db.ExecuteAsync($"""
                CREATE FUNCTION {trigger}() RETURNS trigger LANGUAGE plpgsql AS $$
                BEGIN
                    IF NEW.title = '{poison}' THEN RAISE EXCEPTION 'refused ticket %', NEW.title; END IF;
                    RETURN NEW;
                END $$;
                CREATE TRIGGER {trigger} BEFORE INSERT ON tickets FOR EACH ROW EXECUTE FUNCTION {trigger}();
                """);
        try
        {
            var badSender = InboundMail.NewAddress("poison");
            var first = InboundMail.Message(InboundMail.NewAddress("before"), "Before the bad one", "First.");
            var bad = InboundMail.Message(badSender, poison, "This one cannot become a ticket.");
            var last = InboundMail.Message(InboundMail.NewAddress("after"), "After the bad one", "Last.");
            await StoreTogetherAsync([first, bad, last]);

            var failed = await inbound.WaitProcessedAsync(bad.MessageId);
            Assert.Equal(("failed", 1, null), (failed.Status, failed.Attempts, failed.TicketId));
            Assert.Contains("refused ticket " + poison, failed.Error);
            // Nothing of its half-done work stays: the account made for its sender went with it.
            Assert.Null(await inbound.UserIdAsync(badSender));

            foreach (var good in new[] { first, last })
            {
                var row = await inbound.WaitProcessedAsync(good.MessageId);
                Assert.Equal(("processed", 1, null), (row.Status, row.Attempts, row.Error));
                Assert.Equal(good.Subject, (await inbound.TicketAsync(row.TicketId!.Value)).Title);
            }
        }
        finally
        {
            await using var db = await inbound.OpenAsync();
            await db.ExecuteAsync($"DROP TRIGGER {trigger} ON tickets; DROP FUNCTION {trigger}();");
        }
    }

    [Fact]
    public async Task Two_instances_taking_the_same_stored_mail_process_each_message_once()
    {
        var settings = InboundFixture.Settings(inbound.Database.Url, inbound.Outgoing.Port, SmtpTestServer.FreePort(), certPath: null);
        settings["INBOUND_WORKERS"] = "3";
        await using var second = new SupportDeskFactory(settings);
        using (var client = second.CreateClient())
            (await client.GetAsync("/health")).EnsureSuccessStatusCode();
        await second.Services.GetRequiredService<InboundSmtpListener>().Listening;

        var messages = Enumerable.Range(0, 40)
            .Select(i => InboundMail.Message(InboundMail.NewAddress($"crowd{i}"), $"Crowd mail {i} {Guid.NewGuid():N}", $"Mail number {i}."))
            .ToList();
        await StoreTogetherAsync(messages);

        await using var db = await inbound.OpenAsync();
        foreach (var message in messages)
        {
            var row = await inbound.WaitProcessedAsync(message.MessageId);
            Assert.Equal(("processed", 1), (row.Status, row.Attempts));
            var sender = message.From.Mailboxes.First().Address;
            var tickets = await db.QueryAsync<Guid>(
                "SELECT t.id FROM tickets t JOIN users u ON u.id = t.requester_id WHERE lower(u.email) = lower(@sender)", new { sender });
            Assert.Equal(row.TicketId, Assert.Single(tickets));
            Assert.Equal(1, await db.ExecuteScalarAsync<int>(
                "SELECT count(*) FROM ticket_history WHERE ticket_id = @TicketId AND action = 'created'", new { row.TicketId }));
        }
    }

    [Fact]
    public async Task A_reply_whose_original_another_worker_still_holds_waits_for_it_and_lands_on_its_ticket()
    {
        var from = InboundMail.NewAddress("held");
        var original = InboundMail.Message(from, $"Held {Guid.NewGuid():N}", "First mail.");
        await StoreTogetherAsync([original], wake: false);
        await using var holder = await inbound.OpenAsync();
        await using var hold = await holder.BeginTransactionAsync();
        // Held as a worker's batch holds it. (Had a worker taken it first, this waits until it is done, and the reply
        // then simply finds its ticket.)
        await holder.ExecuteAsync("SELECT id FROM inbound_messages WHERE message_id = @Id FOR UPDATE", new { Id = $"<{original.MessageId}>" }, hold);

        var reply = InboundMail.ReplyTo(original, from, "Second mail, sent right after.");
        await inbound.SendAsync(reply, recipients: [MailboxAddress.Parse(InboundFixture.Support)]);
        await EmailTestData.EventuallyAsync(async () => (await inbound.RowsAsync(reply.MessageId)).Count == 1, "reply stored");
        // The workers take the reply while its original is held; it must not become a ticket of its own.
        await Task.Delay(TimeSpan.FromSeconds(1));
        await hold.CommitAsync();

        var first = await inbound.WaitProcessedAsync(original.MessageId);
        var second = await inbound.WaitProcessedAsync(reply.MessageId);
        Assert.Equal(("processed", "processed", 1), (first.Status, second.Status, second.Attempts));
        Assert.Equal(first.TicketId, second.TicketId);
        var comment = Assert.Single(await inbound.CommentsAsync(first.TicketId!.Value));
        Assert.Equal((second.CommentId, "Second mail, sent right after."), ((Guid?)comment.Id, comment.Content));
    }

    [Fact]
    public async Task A_mail_that_meets_a_deadlock_stays_received_and_is_processed_in_a_later_batch_not_failed()
    {
        var subject = $"deadlocked-{Guid.NewGuid():N}";
        var name = $"dl_{Guid.NewGuid():N}";
        // The first insert of this ticket fails as PostgreSQL fails the loser of a deadlock; the sequence is outside
        // the transaction, so the retry goes through.
        await using (var db = await inbound.OpenAsync())
            await db.ExecuteAsync($"""
                CREATE SEQUENCE {name}_seq;
                CREATE FUNCTION {name}() RETURNS trigger LANGUAGE plpgsql AS $$
                BEGIN
                    IF NEW.title = '{subject}' AND nextval('{name}_seq') = 1 THEN
                        RAISE EXCEPTION 'deadlock detected (test)' USING ERRCODE = '40P01';
                    END IF;
                    RETURN NEW;
                END $$;
                CREATE TRIGGER {name} BEFORE INSERT ON tickets FOR EACH ROW EXECUTE FUNCTION {name}();
                """);
        try
        {
            var sender = InboundMail.NewAddress("deadlock");
            var beside = InboundMail.Message(InboundMail.NewAddress("beside"), $"Beside {Guid.NewGuid():N}", "In the same batch.");
            var mail = InboundMail.Message(sender, subject, "Lost a lock race once.");
            await StoreTogetherAsync([beside, mail]);

            var row = await inbound.WaitProcessedAsync(mail.MessageId);
            Assert.Equal(("processed", 1, (string?)null), (row.Status, row.Attempts, row.Error));
            Assert.Equal(subject, (await inbound.TicketAsync(row.TicketId!.Value)).Title);
            var besideRow = await inbound.WaitProcessedAsync(beside.MessageId);
            Assert.Equal(("processed", 1), (besideRow.Status, besideRow.Attempts));
            await using var db = await inbound.OpenAsync();
            Assert.Equal(1, await db.ExecuteScalarAsync<int>(
                "SELECT count(*) FROM tickets t JOIN users u ON u.id = t.requester_id WHERE lower(u.email) = lower(@sender)", new { sender }));
        }
        finally
        {
            await using var db = await inbound.OpenAsync();
            await db.ExecuteAsync($"DROP TRIGGER {name} ON tickets; DROP FUNCTION {name}(); DROP SEQUENCE {name}_seq;");
        }
    }

    /// <summary>
    /// The inbound pool prepares what it runs again; a statement whose preparing run fails in Bind (here: planning folds
    /// an IMMUTABLE function that raises) must not leave the connection unable to run it again, as Npgsql 10.0.3 would.
    /// </summary>
    [Theory]
    [InlineData("22012")]
    [InlineData("57014")]
    public async Task A_statement_that_fails_while_being_prepared_on_the_inbound_pool_runs_again_after_Forget(string sqlState)
    {
        var name = $"prep_{Guid.NewGuid():N}";
        await using (var db = await inbound.OpenAsync())
            await db.ExecuteAsync($"""
                CREATE FUNCTION {name}(code text) RETURNS int LANGUAGE plpgsql IMMUTABLE AS $$
                BEGIN
                    IF code <> '' THEN RAISE EXCEPTION 'raised while planning' USING ERRCODE = code; END IF;
                    RETURN 1;
                END $$;
                """);
        var pool = inbound.Factory.Services.GetRequiredService<InboundDatabase>();
        try
        {
            await using var connection = await pool.DataSource.OpenConnectionAsync();
            var sql = $"SELECT {name}(@Code) AS one";
            Assert.Equal(1, await connection.ExecuteScalarAsync<int>(sql, new { Code = "" }));
            // The second run is the one that prepares it (AutoPrepareMinUsages = 2).
            var error = await Assert.ThrowsAsync<Npgsql.PostgresException>(() => connection.ExecuteScalarAsync<int>(sql, new { Code = sqlState }));
            Assert.Equal(sqlState, error.SqlState);
            InboundDatabase.Forget(connection);
            for (var i = 0; i < 4; i++)
                Assert.Equal(1, await connection.ExecuteScalarAsync<int>(sql, new { Code = "" }));
        }
        finally
        {
            await using var db = await inbound.OpenAsync();
            await db.ExecuteAsync($"DROP FUNCTION {name}(text)");
        }
    }
}
