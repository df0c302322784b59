using Dapper;
using Microsoft.Extensions.DependencyInjection;
using SupportDesk.Infrastructure.Realtime;

namespace SupportDesk.Tests.Infrastructure.Realtime;

public sealed class RealtimeEventsCleanupTests(AppFixture app)
{
    [Fact]
    public async Task Rows_older_than_the_retention_are_deleted_and_newer_ones_kept()
    {
        var old = Guid.CreateVersion7();
        var fresh = Guid.CreateVersion7();
        await using var db = await app.OpenConnectionAsync();
        await db.ExecuteAsync("""
            INSERT INTO realtime_events (id, type, staff_only, data, occurred_at) VALUES
                (@old, 'ticket.updated', true, '{}', now() - interval '25 hours'),
                (@fresh, 'ticket.updated', true, '{}', now() - interval '23 hours')
            """, new { old, fresh });

        await app.Factory.Services.GetRequiredService<RealtimeEventsCleanup>().DeleteExpiredAsync(CancellationToken.None);

        var left = (await db.QueryAsync<Guid>("SELECT id FROM realtime_events WHERE id = ANY(@ids)", new { ids = new[] { old, fresh } })).ToList();
        Assert.Equal([fresh], left);
    }
}
