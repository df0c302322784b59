using System.Net;
using Dapper;

namespace SupportDesk.Tests.Features.Tickets;

public sealed class ListTicketsTests(AppFixture app)
{
    /// <summary>Tickets in a category no other test uses, so staff listings can be scoped to this test's rows.</summary>
    private async Task<(string Category, TestUser Agent, TestUser Customer, List<System.Text.Json.JsonElement> Tickets)> SeedAsync()
    {
        var category = $"cat-{Guid.NewGuid():N}";
        var customer = await app.RegisterCustomerAsync();
        var agent = await app.CreateUserAsync("agent");
        using var asCustomer = app.ClientFor(customer);
        var tickets = new List<System.Text.Json.JsonElement>();
        var priorities = new[] { "low", "medium", "high", "urgent", "medium", "low", "high" };
        for (var i = 0; i < priorities.Length; i++)
        {
            tickets.Add(await asCustomer.CreateTicketAsync(new
            {
                title = $"Ticket {i}", description = "d", priority = priorities[i], category,
                tags = i % 2 == 0 ? new[] { "even" } : new[] { "odd" },
            }));
        }
        using var asAgent = app.ClientFor(agent);
        await asAgent.PostAsJsonAsyncOk($"/tickets/{tickets[0].Id()}/assign", new { assignee_id = agent.Id });
        await asAgent.PostAsJsonAsyncOk($"/tickets/{tickets[1].Id()}/assign", new { assignee_id = agent.Id });
        Assert.Equal(HttpStatusCode.OK, (await asAgent.PatchJsonAsync($"/tickets/{tickets[2].Id()}", new { status = "pending" })).StatusCode);
        return (category, agent, customer, tickets);
    }

    private static async Task<System.Text.Json.JsonElement> PageAsync(HttpClient client, string url)
    {
        var response = await client.GetAsync(url);
        Assert.True(response.StatusCode == HttpStatusCode.OK, $"{url}: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
        return await response.JsonAsync();
    }

    [Fact]
    public async Task Filters_narrow_the_list_and_total_counts_the_matches()
    {
        var (category, agent, customer, tickets) = await SeedAsync();
        using var client = app.ClientFor(agent);
        var c = $"category={category}";

        Assert.Equal(7, (await PageAsync(client, $"/tickets?{c}")).GetProperty("total").GetInt64());
        Assert.Equal(2, (await PageAsync(client, $"/tickets?{c}&priority=high")).GetProperty("total").GetInt64());
        Assert.Equal(4, (await PageAsync(client, $"/tickets?{c}&priority=high,low")).GetProperty("total").GetInt64());
        Assert.Equal(1, (await PageAsync(client, $"/tickets?{c}&status=pending")).GetProperty("total").GetInt64());
        Assert.Equal(6, (await PageAsync(client, $"/tickets?{c}&status=open")).GetProperty("total").GetInt64());
        Assert.Equal(4, (await PageAsync(client, $"/tickets?{c}&tag=even")).GetProperty("total").GetInt64());
        Assert.Equal(4, (await PageAsync(client, $"/tickets?{c}&tag=EVEN")).GetProperty("total").GetInt64());
        Assert.Equal(2, (await PageAsync(client, $"/tickets?{c}&assignee_id=me")).GetProperty("total").GetInt64());
        Assert.Equal(2, (await PageAsync(client, $"/tickets?{c}&assignee_id={agent.Id}")).GetProperty("total").GetInt64());
        Assert.Equal(5, (await PageAsync(client, $"/tickets?{c}&assignee_id=none")).GetProperty("total").GetInt64());
        Assert.Equal(7, (await PageAsync(client, $"/tickets?{c}&requester_id={customer.Id}")).GetProperty("total").GetInt64());
        Assert.Equal(0, (await PageAsync(client, $"/tickets?{c}&requester_id={agent.Id}")).GetProperty("total").GetInt64());

        var created = tickets[3].GetProperty("created_at").GetDateTime();
        var after = await PageAsync(client, $"/tickets?{c}&created_after={Uri.EscapeDataString(created.ToString("O"))}");
        Assert.Equal(4, after.GetProperty("total").GetInt64());
        var before = await PageAsync(client, $"/tickets?{c}&created_before={Uri.EscapeDataString(created.ToString("O"))}");
        Assert.Equal(3, before.GetProperty("total").GetInt64());
    }

    [Fact]
    public async Task Sorting_by_priority_follows_urgency_both_ways()
    {
        var (category, agent, _, _) = await SeedAsync();
        using var client = app.ClientFor(agent);
        var rank = new Dictionary<string, int> { ["low"] = 1, ["medium"] = 2, ["high"] = 3, ["urgent"] = 4 };

        var desc = (await PageAsync(client, $"/tickets?category={category}&sort=priority&order=desc")).Items().Select(t => rank[t.Str("priority")]).ToList();
        var asc = (await PageAsync(client, $"/tickets?category={category}&sort=priority&order=asc")).Items().Select(t => rank[t.Str("priority")]).ToList();

        Assert.Equal(desc.OrderByDescending(x => x), desc);
        Assert.Equal(asc.OrderBy(x => x), asc);
        Assert.Equal(4, desc[0]);
    }

    [Fact]
    public async Task Default_order_is_newest_first_and_pages_neither_overlap_nor_skip()
    {
        var (category, agent, _, tickets) = await SeedAsync();
        using var client = app.ClientFor(agent);
        var seen = new List<Guid>();
        for (var offset = 0; offset < 7; offset += 3)
        {
            var page = await PageAsync(client, $"/tickets?category={category}&limit=3&offset={offset}");
            Assert.Equal(7, page.GetProperty("total").GetInt64());
            Assert.Equal(3, page.GetProperty("limit").GetInt32());
            Assert.Equal(offset, page.GetProperty("offset").GetInt32());
            seen.AddRange(page.Items().Select(t => t.Id()));
        }
        Assert.Equal(tickets.Select(t => t.Id()).Reverse(), seen);
    }

    [Theory]
    [InlineData("status=opened", "status")]
    [InlineData("status=open,bogus", "status")]
    [InlineData("priority=critical", "priority")]
    [InlineData("sort=title", "sort")]
    [InlineData("order=sideways", "order")]
    [InlineData("limit=0", "limit")]
    [InlineData("limit=101", "limit")]
    [InlineData("offset=-1", "offset")]
    [InlineData("assignee_id=someone", "assignee_id")]
    [InlineData("created_after=2026-02-01T00:00:00Z&created_before=2026-01-01T00:00:00Z", "created_before")]
    public async Task Bad_filters_are_400_naming_the_parameter(string query, string field)
    {
        var customer = await app.RegisterCustomerAsync();
        using var client = app.ClientFor(customer);
        await (await client.GetAsync($"/tickets?{query}")).AssertProblemAsync(HttpStatusCode.BadRequest, field);
    }

    [Theory]
    [InlineData("limit=abc")]
    [InlineData("limit=99999999999999")]
    [InlineData("requester_id=not-a-uuid")]
    [InlineData("created_after=yesterday")]
    public async Task Unparseable_parameters_are_400_problems(string query)
    {
        var customer = await app.RegisterCustomerAsync();
        using var client = app.ClientFor(customer);
        await (await client.GetAsync($"/tickets?{query}")).AssertProblemAsync(HttpStatusCode.BadRequest);
    }

    [Fact]
    public async Task Deleted_tickets_disappear_from_lists()
    {
        var (category, agent, _, tickets) = await SeedAsync();
        var admin = await app.CreateUserAsync("admin");
        using var asAdmin = app.ClientFor(admin);
        Assert.Equal(HttpStatusCode.NoContent, (await asAdmin.DeleteAsync($"/tickets/{tickets[0].Id()}")).StatusCode);

        using var client = app.ClientFor(agent);
        var page = await PageAsync(client, $"/tickets?category={category}");
        Assert.Equal(6, page.GetProperty("total").GetInt64());
        Assert.DoesNotContain(page.Items(), t => t.Id() == tickets[0].Id());
        await using var db = await app.OpenConnectionAsync();
        Assert.True(await db.ExecuteScalarAsync<bool>("SELECT deleted_at IS NOT NULL FROM tickets WHERE id = @id", new { id = tickets[0].Id() }));
    }
}

internal static class PostExtensions
{
    public static async Task PostAsJsonAsyncOk(this HttpClient client, string url, object body)
    {
        var response = await System.Net.Http.Json.HttpClientJsonExtensions.PostAsJsonAsync(client, url, body);
        Assert.True(response.IsSuccessStatusCode, $"{url}: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
    }
}

public sealed class TicketTextFilterTests(AppFixture app)
{
    [Fact]
    public async Task Q_filters_by_words_with_stemming_and_combines_with_other_filters()
    {
        var customer = await app.RegisterCustomerAsync();
        using var client = app.ClientFor(customer);
        var word = "zorbulator" + Guid.NewGuid().ToString("N")[..6];
        var match = await client.CreateTicketAsync(new { title = $"Cannot reset passwords on the {word}", description = "d", priority = "high" });
        await client.CreateTicketAsync(new { title = "Printer jams", description = $"the {word} is fine", priority = "low" });
        await client.CreateTicketAsync(new { title = "Unrelated", description = "nothing to see" });

        var both = await (await client.GetAsync($"/tickets?q={word}")).JsonAsync();
        Assert.Equal(2, both.GetProperty("total").GetInt64());
        var stemmed = await (await client.GetAsync($"/tickets?q={Uri.EscapeDataString($"{word} password")}")).JsonAsync();
        Assert.Equal([match.Id()], stemmed.Items().Select(t => t.Id()));
        var combined = await (await client.GetAsync($"/tickets?q={word}&priority=high")).JsonAsync();
        Assert.Equal([match.Id()], combined.Items().Select(t => t.Id()));
        var excluded = await (await client.GetAsync($"/tickets?q={Uri.EscapeDataString($"{word} -printer")}")).JsonAsync();
        Assert.Equal([match.Id()], excluded.Items().Select(t => t.Id()));
    }

    [Fact]
    public async Task Q_never_finds_another_customers_ticket()
    {
        var a = await app.RegisterCustomerAsync();
        var b = await app.RegisterCustomerAsync();
        var word = "quixotic" + Guid.NewGuid().ToString("N")[..6];
        await app.ClientFor(a).CreateTicketAsync(new { title = $"Secret {word}", description = "only mine" });

        var page = await (await app.ClientFor(b).GetAsync($"/tickets?q={word}")).JsonAsync();
        Assert.Equal(0, page.GetProperty("total").GetInt64());
        var agentPage = await (await app.ClientFor(await app.CreateUserAsync("agent")).GetAsync($"/tickets?q={word}")).JsonAsync();
        Assert.Equal(1, agentPage.GetProperty("total").GetInt64());
    }

    [Theory]
    [InlineData("%22unbalanced")]
    [InlineData("%27%3B%20DROP%20TABLE%20tickets%3B--")]
    [InlineData("!!!%26%26%7C%7C")]
    [InlineData("or")]
    public async Task Odd_queries_are_answered_not_failed(string raw)
    {
        using var client = app.ClientFor(await app.RegisterCustomerAsync());
        var response = await client.GetAsync($"/tickets?q={raw}");
        Assert.Equal(System.Net.HttpStatusCode.OK, response.StatusCode);
    }

    [Fact]
    public async Task Empty_or_over_long_queries_are_400_naming_q()
    {
        using var client = app.ClientFor(await app.RegisterCustomerAsync());
        await (await client.GetAsync("/tickets?q=")).AssertProblemAsync(System.Net.HttpStatusCode.BadRequest, "q");
        await (await client.GetAsync($"/tickets?q={new string('a', 300)}")).AssertProblemAsync(System.Net.HttpStatusCode.BadRequest, "q");
    }
}
