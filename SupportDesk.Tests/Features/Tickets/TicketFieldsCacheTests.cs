using System.Diagnostics;
using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;
using Dapper;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;
using SupportDesk.Features.Tickets;
using SupportDesk.Infrastructure.Auth;
using SupportDesk.Tests.Infrastructure.Auth;

namespace SupportDesk.Tests.Features.Tickets;

/// <summary>
/// Ticket reads take the custom field definitions from a per-instance cache. A change to a definition is in force on
/// the instance that made it from its commit, and on every other within one second (the ticket_fields trigger's NOTIFY
/// and the user listener's heartbeat); an instance that cannot vouch for its cache reads the definitions every time.
/// </summary>
public sealed class TicketFieldsCacheTests(AppFixture app, TwoInstancesFixture instances) : IClassFixture<TwoInstancesFixture>
{
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(1);

    [Fact]
    public async Task Hiding_a_field_from_customers_applies_at_once_where_it_was_made_and_within_a_second_elsewhere()
    {
        var admin = await app.CreateUserAsync("admin");
        var customer = await app.RegisterCustomerAsync();
        var key = TicketFieldTestData.UniqueKey("tier");
        using var adminOnA = Client(instances.A, admin.Token);
        var field = await adminOnA.CreateFieldAsync(new { key, label = "Tier", type = "text", customer_visible = true, customer_editable = true });
        using var customerOnA = Client(instances.A, customer.Token);
        using var customerOnB = Client(instances.B, customer.Token);
        var ticket = (await customerOnA.CreateTicketAsync(new Dictionary<string, object>
        {
            ["title"] = "Upgrade", ["description"] = "Which tier am I on?", ["custom_fields"] = new Dictionary<string, object> { [key] = "gold" },
        })).GetProperty("id").GetGuid();

        // Both instances have read (and cached) the definitions with the field visible.
        await ShownAsync(instances.A, customerOnA, ticket, key);
        await ShownAsync(instances.B, customerOnB, ticket, key);

        Assert.Equal(HttpStatusCode.OK, (await adminOnA.PatchJsonAsync($"/ticket-fields/{field.GetProperty("id").GetGuid()}", new { customer_visible = false })).StatusCode);

        // Where it was made: from the next request.
        Assert.False(Fields(await customerOnA.GetOkAsync($"/tickets/{ticket}")).TryGetProperty(key, out _));
        // Elsewhere: every request sent a second or more after the change hides it.
        var since = Stopwatch.StartNew();
        while (true)
        {
            var sentAfter = since.Elapsed;
            if (!Fields(await customerOnB.GetOkAsync($"/tickets/{ticket}")).TryGetProperty(key, out _))
                break;
            Assert.True(sentAfter < Bound, $"a request sent {sentAfter.TotalMilliseconds:F0} ms after the change still showed the hidden field");
            await Task.Delay(20);
        }
        // Staff still see it; the stored value never changed.
        using var agentOnB = Client(instances.B, (await app.CreateUserAsync("agent")).Token);
        Assert.Equal("gold", Fields(await agentOnB.GetOkAsync($"/tickets/{ticket}")).GetProperty(key).GetString());
        await using var db = await app.OpenConnectionAsync();
        Assert.Equal("gold", await db.ExecuteScalarAsync<string>($"SELECT custom_fields->>'{key}' FROM tickets WHERE id = @ticket", new { ticket }));
    }

    [Fact]
    public async Task A_deleted_field_leaves_every_instance_within_a_second_and_lists_follow()
    {
        var admin = await app.CreateUserAsync("admin");
        var key = TicketFieldTestData.UniqueKey("plan");
        using var adminClient = app.ClientFor(admin);
        var field = await adminClient.CreateFieldAsync(new { key, label = "Plan", type = "text" });
        using var agentOnB = Client(instances.B, (await app.CreateUserAsync("agent")).Token);
        var ticket = (await agentOnB.CreateTicketAsync(new Dictionary<string, object>
        {
            ["title"] = "Plan", ["description"] = "Which plan?", ["custom_fields"] = new Dictionary<string, object> { [key] = "pro" },
        })).GetProperty("id").GetGuid();
        await ShownAsync(instances.B, agentOnB, ticket, key);

        // Deleted through a third instance (the in-process one).
        Assert.Equal(HttpStatusCode.NoContent, (await adminClient.DeleteAsync($"/ticket-fields/{field.GetProperty("id").GetGuid()}")).StatusCode);

        var since = Stopwatch.StartNew();
        while (true)
        {
            var sentAfter = since.Elapsed;
            var shown = Fields(await agentOnB.GetOkAsync($"/tickets/{ticket}")).TryGetProperty(key, out _);
            if (!shown)
                break;
            Assert.True(sentAfter < Bound, $"a request sent {sentAfter.TotalMilliseconds:F0} ms after the delete still showed the field");
            await Task.Delay(20);
        }
        // The list reads the same definitions: a filter on the deleted field is refused, as for a key that never existed.
        await (await agentOnB.GetAsync($"/tickets?field.{key}=pro")).AssertProblemAsync(HttpStatusCode.BadRequest);
        var listed = (await agentOnB.GetOkAsync($"/tickets?limit=100")).GetProperty("items").EnumerateArray().Single(t => t.GetProperty("id").GetGuid() == ticket);
        Assert.False(Fields(listed).TryGetProperty(key, out _));
    }

    [Fact]
    public async Task A_cache_that_cannot_vouch_for_itself_reads_the_definitions_every_time()
    {
        var proof = new UserStateCache();
        var cache = new TicketFieldsCache(proof);
        var dataSource = app.Factory.Services.GetRequiredService<NpgsqlDataSource>();
        var key = TicketFieldTestData.UniqueKey("seen");
        await using var connection = await dataSource.OpenConnectionAsync();

        // Not trusted (no heartbeat heard): a definition added behind its back is seen at once.
        Assert.DoesNotContain(await cache.LiveAsync(connection, CancellationToken.None), f => f.Key == key);
        await using (var db = await app.OpenConnectionAsync())
            await db.ExecuteAsync("INSERT INTO ticket_fields (id, key, label, type) VALUES (@Id, @key, 'Seen', 'text')", new { Id = Guid.CreateVersion7(), key });
        Assert.Contains(await cache.LiveAsync(connection, CancellationToken.None), f => f.Key == key);

        // Trusted: the list it read stands until a change is heard, which is what the NOTIFY is for.
        proof.Heard(Stopwatch.GetTimestamp());
        var held = await cache.LiveAsync(connection, CancellationToken.None);
        await using (var db = await app.OpenConnectionAsync())
            await db.ExecuteAsync("UPDATE ticket_fields SET deleted_at = now() WHERE key = @key", new { key });
        Assert.Same(held, await cache.LiveAsync(connection, CancellationToken.None));
        cache.Changed("");
        Assert.DoesNotContain(await cache.LiveAsync(connection, CancellationToken.None), f => f.Key == key);
    }

    private static JsonElement Fields(JsonElement ticket) => ticket.GetProperty("custom_fields");

    private static HttpClient Client(KestrelApp instance, string token)
    {
        var client = instance.CreateClient();
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
        return client;
    }

    /// <summary>
    /// Reads the ticket on the instance until its listener is up (so its cache holds what it read) and the field shows:
    /// a field just created elsewhere may take up to the same second to reach this instance.
    /// </summary>
    private static async Task ShownAsync(KestrelApp instance, HttpClient client, Guid ticket, string key)
    {
        var proof = instance.Services.GetRequiredService<UserStateCache>();
        var deadline = Stopwatch.StartNew();
        while (!proof.Trusted)
        {
            Assert.True(deadline.Elapsed < TimeSpan.FromSeconds(30), "the instance's listener never came up");
            await Task.Delay(50);
        }
        var since = Stopwatch.StartNew();
        while (true)
        {
            var sentAfter = since.Elapsed;
            if (Fields(await client.GetOkAsync($"/tickets/{ticket}")).TryGetProperty(key, out _))
                return;
            Assert.True(sentAfter < Bound, $"{key} was still not shown {sentAfter.TotalMilliseconds:F0} ms after it was created");
            await Task.Delay(20);
        }
    }
}
