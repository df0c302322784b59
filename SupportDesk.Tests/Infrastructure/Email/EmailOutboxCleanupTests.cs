using Dapper;
using Microsoft.Extensions.DependencyInjection;
using SupportDesk.Infrastructure.Email;

namespace SupportDesk.Tests.Infrastructure.Email;

public sealed class EmailOutboxCleanupTests(AppFixture app)
{
    [Fact]
    public async Task Sent_emails_past_the_retention_are_deleted_and_pending_failed_or_recent_ones_kept()
    {
        var customer = await app.RegisterCustomerAsync();
        var ids = new Dictionary<string, Guid>();
        await using var db = await app.OpenConnectionAsync();
        foreach (var (name, status, sentDaysAgo, createdDaysAgo) in new[]
                 {
                     ("old sent", "sent", (int?)31, 31), ("recent sent", "sent", (int?)29, 29),
                     ("old pending", "pending", null, 40), ("old failed", "failed", null, 40),
                 })
        {
            var id = Guid.CreateVersion7();
            ids[name] = id;
            await db.ExecuteAsync("""
                INSERT INTO email_outbox (id, template_key, recipient_id, to_address, to_name, subject, html_body, text_body,
                                          message_id, status, sent_at, created_at)
                VALUES (@id, 'ticket_created', @recipient, 'x@example.test', 'X', 's', 'h', 't', @messageId, @status,
                        now() - make_interval(days => @sentDaysAgo), now() - make_interval(days => @createdDaysAgo))
                """, new { id, recipient = customer.Id, messageId = $"<{id}@example.test>", status, sentDaysAgo, createdDaysAgo });
        }

        await app.Factory.Services.GetRequiredService<EmailOutboxCleanup>().DeleteExpiredAsync(CancellationToken.None);

        var left = (await db.QueryAsync<Guid>("SELECT id FROM email_outbox WHERE id = ANY(@ids)", new { ids = ids.Values.ToArray() })).ToHashSet();
        Assert.DoesNotContain(ids["old sent"], left);
        Assert.Contains(ids["recent sent"], left);
        Assert.Contains(ids["old pending"], left);
        Assert.Contains(ids["old failed"], left);
    }
}
