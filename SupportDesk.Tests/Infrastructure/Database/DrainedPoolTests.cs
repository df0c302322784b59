using System.Net;
using System.Net.Http.Json;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;
using SupportDesk.Features.Search.GlobalSearch;
using SupportDesk.Features.Tickets;
using SupportDesk.Features.Tickets.CountViews;
using SupportDesk.Infrastructure.Auth;
using SupportDesk.Infrastructure.Configuration;

namespace SupportDesk.Tests.Infrastructure.Database;

/// <summary>
/// The routes that run statements side by side (/views/counts over many views, global search over its three sources)
/// take extra pooled connections only if the pool gives them at once (PooledConnections). With the pool drained by
/// such requests, each holding its own connection, none waits on the others (which held every connection until the
/// pool's timeout failed them all); each runs its statements on the connection it has, with the same answer.
/// </summary>
public sealed class DrainedPoolTests(AppFixture app)
{
    private const int Concurrent = 6;

    /// <summary>Two connections and a pool wait of 3 s: requests that waited on each other would fail after it.</summary>
    private NpgsqlDataSource SmallPool() => NpgsqlDataSource.Create(
        new NpgsqlConnectionStringBuilder(app.Database.ConnectionString) { MaxPoolSize = 2, Timeout = 3, NoResetOnClose = true }.ConnectionString);

    private AppSettings Settings => app.Factory.Services.GetRequiredService<AppSettings>();

    [Fact]
    public async Task View_counts_that_drain_the_pool_still_answer_on_their_own_connections()
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
        await using var small = SmallPool();
        var handler = new CountViewsHandler(small, Settings, new TicketFieldsCache(new UserStateCache()));
        var user = new CurrentUser(agent.Id, UserRole.Agent);

        var answers = await Task.WhenAll(Enumerable.Range(0, Concurrent).Select(_ => handler.Handle(new CountViewsQuery(user), CancellationToken.None).AsTask()));

        foreach (var counts in answers)
        {
            Assert.Equal(views.Order(), counts.Select(c => c.ViewId).Order());
            Assert.All(counts, c => Assert.Equal((1L, false, true), (c.Count!.Value, c.Capped, c.Valid)));
        }
    }

    [Fact]
    public async Task Global_searches_that_drain_the_pool_still_find_tickets_comments_and_articles()
    {
        var agent = await app.CreateUserAsync("agent");
        using var client = app.ClientFor(agent);
        var word = $"zq{Guid.NewGuid():N}"[..14];
        var ticket = (await client.CreateTicketAsync(new { title = $"Title {word}", description = "x" })).Id();
        var commented = (await client.CreateTicketAsync(new { title = "Other", description = "y" })).Id();
        Assert.Equal(HttpStatusCode.Created, (await client.PostAsJsonAsync($"/tickets/{commented}/comments", new { content = $"Comment {word}" })).StatusCode);
        using var admin = app.ClientFor(await app.CreateUserAsync("admin"));
        var article = await admin.PostAsJsonAsync("/knowledge-base", new { title = $"Article {word}", content = "How to", category = "howto", tags = new[] { "guide" }, is_published = true });
        Assert.Equal(HttpStatusCode.Created, article.StatusCode);
        var articleId = (await article.JsonAsync()).Id();
        await using var small = SmallPool();
        var handler = new GlobalSearchHandler(small, Settings);
        var user = new CurrentUser(agent.Id, UserRole.Agent);

        var answers = await Task.WhenAll(Enumerable.Range(0, Concurrent).Select(_ => handler.Handle(new GlobalSearchQuery(user, word, 20, 0), CancellationToken.None).AsTask()));

        foreach (var found in answers)
            Assert.Equal(new[] { articleId, commented, ticket }.Order(), found.Items.Select(i => i.Id).Order());
    }
}
