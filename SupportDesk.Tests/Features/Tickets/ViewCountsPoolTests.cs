using System.Net;
using System.Net.Http.Json;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;
using SupportDesk.Features.Tickets;
using SupportDesk.Features.Tickets.CountViews;
using SupportDesk.Infrastructure.Auth;
using SupportDesk.Infrastructure.Configuration;

namespace SupportDesk.Tests.Features.Tickets;

/// <summary>
/// /views/counts spreads many views over extra pooled connections, but only ones the pool can give at once: with the
/// pool drained by counts requests, each holding its own connection, none waits on the others (which would hold every
/// connection until the pool's timeout failed them all); they count on the connection they have.
/// </summary>
public sealed class ViewCountsPoolTests(AppFixture app)
{
    [Fact]
    public async Task Counts_requests_that_drain_the_pool_still_answer_on_their_own_connections()
    {
        var agent = await app.CreateUserAsync("agent");
        using var client = app.ClientFor(agent);
        var tag = $"pool-{Guid.NewGuid():N}"[..20];
        await client.CreateTicketAsync(new { title = "one", description = "x", tags = new[] { tag } });
        var views = new List<Guid>();
        for (var i = 0; i < 12; i++)
        {
            var created = await client.PostAsJsonAsync("/views", new { name = $"View {i}", filters = new Dictionary<string, string> { ["tag"] = tag, ["priority"] = i % 2 == 0 ? "medium" : "low,medium" } });
            Assert.Equal(HttpStatusCode.Created, created.StatusCode);
            views.Add((await created.JsonAsync()).Id());
        }

        // A pool of two connections, and a pool wait of 3 s: requests that waited on each other would fail after it.
        var csb = new NpgsqlConnectionStringBuilder(app.Database.ConnectionString) { MaxPoolSize = 2, Timeout = 3, NoResetOnClose = true };
        await using var small = NpgsqlDataSource.Create(csb.ConnectionString);
        var handler = new CountViewsHandler(small, app.Factory.Services.GetRequiredService<AppSettings>(), new TicketFieldsCache(new UserStateCache()));
        var user = new CurrentUser(agent.Id, UserRole.Agent);

        var answers = await Task.WhenAll(Enumerable.Range(0, 6).Select(_ => handler.Handle(new CountViewsQuery(user), CancellationToken.None).AsTask()));

        foreach (var counts in answers)
        {
            Assert.Equal(views.Order(), counts.Select(c => c.ViewId).Order());
            Assert.All(counts, c => Assert.Equal((1L, false, true), (c.Count!.Value, c.Capped, c.Valid)));
        }
    }
}
