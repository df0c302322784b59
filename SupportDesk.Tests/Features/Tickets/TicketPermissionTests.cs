using System.Net;
using System.Net.Http.Json;
using System.Text;
using Dapper;

namespace SupportDesk.Tests.Features.Tickets;

/// <summary>anonymous, customer A (owner), customer B, agent, admin × every ticket route, with the exact status expected.</summary>
public sealed class TicketPermissionTests(AppFixture app)
{
    private sealed record Route(string Name, HttpMethod Method, string Url, string? Body);

    private static IEnumerable<Route> RoutesFor(Guid ticketId, long number, Guid agentId) =>
    [
        new("list", HttpMethod.Get, "/tickets", null),
        new("get", HttpMethod.Get, $"/tickets/{ticketId}", null),
        new("by-number", HttpMethod.Get, $"/tickets/by-number/{number}", null),
        new("put", HttpMethod.Put, $"/tickets/{ticketId}", "{\"title\":\"Renamed\"}"),
        new("patch", HttpMethod.Patch, $"/tickets/{ticketId}", "{\"description\":\"More detail\"}"),
        new("assign", HttpMethod.Post, $"/tickets/{ticketId}/assign", $"{{\"assignee_id\":\"{agentId}\"}}"),
        new("comment", HttpMethod.Post, $"/tickets/{ticketId}/comments", "{\"content\":\"Any news?\"}"),
        new("comments", HttpMethod.Get, $"/tickets/{ticketId}/comments", null),
        new("history", HttpMethod.Get, $"/tickets/{ticketId}/history", null),
        new("delete", HttpMethod.Delete, $"/tickets/{ticketId}", null),
    ];

    // Expected status per caller for each route, against a ticket owned by customer A.
    private static readonly Dictionary<string, (int Anonymous, int Owner, int Stranger, int Agent, int Admin)> Expected = new()
    {
        ["list"] = (401, 200, 200, 200, 200),
        ["get"] = (401, 200, 404, 200, 200),
        ["by-number"] = (401, 200, 404, 200, 200),
        ["put"] = (401, 200, 404, 200, 200),
        ["patch"] = (401, 200, 404, 200, 200),
        ["assign"] = (401, 403, 403, 200, 200),
        ["comment"] = (401, 201, 404, 201, 201),
        ["comments"] = (401, 200, 404, 200, 200),
        ["history"] = (401, 200, 404, 200, 200),
        ["delete"] = (401, 403, 403, 403, 204),
    };

    [Fact]
    public async Task Every_route_answers_each_caller_as_declared()
    {
        var owner = await app.RegisterCustomerAsync();
        var stranger = await app.RegisterCustomerAsync();
        var agent = await app.CreateUserAsync("agent");
        var admin = await app.CreateUserAsync("admin");
        var callers = new (string Name, HttpClient Client, Func<(int, int, int, int, int), int> Pick)[]
        {
            ("anonymous", app.Anonymous(), e => e.Item1),
            ("stranger", app.ClientFor(stranger), e => e.Item3),
            ("owner", app.ClientFor(owner), e => e.Item2),
            ("agent", app.ClientFor(agent), e => e.Item4),
            ("admin", app.ClientFor(admin), e => e.Item5),
        };

        var failures = new List<string>();
        foreach (var (callerName, client, pick) in callers)
        {
            // A fresh ticket per caller, so a delete by one caller does not change the next caller's answers.
            using var ownerClient = app.ClientFor(owner);
            var ticket = await ownerClient.CreateTicketAsync();
            foreach (var route in RoutesFor(ticket.Id(), ticket.GetProperty("number").GetInt64(), agent.Id))
            {
                var request = new HttpRequestMessage(route.Method, route.Url);
                if (route.Body is not null)
                    request.Content = new StringContent(route.Body, Encoding.UTF8, "application/json");
                var response = await client.SendAsync(request);
                var expected = pick(Expected[route.Name]);
                if ((int)response.StatusCode != expected)
                    failures.Add($"{callerName} {route.Method} {route.Url}: expected {expected}, got {(int)response.StatusCode}");
                else if (expected >= 400)
                    Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
            }
        }
        foreach (var (_, client, _) in callers)
            client.Dispose();
        Assert.True(failures.Count == 0, string.Join("\n", failures));
    }

    [Fact]
    public async Task Customer_B_can_never_read_As_ticket_by_any_route()
    {
        var a = await app.RegisterCustomerAsync();
        var b = await app.RegisterCustomerAsync();
        using var asA = app.ClientFor(a);
        using var asB = app.ClientFor(b);
        var ticket = await asA.CreateTicketAsync();
        await asA.AddCommentAsync(ticket.Id(), "secret words only A knows");

        await (await asB.GetAsync($"/tickets/{ticket.Id()}")).AssertProblemAsync(HttpStatusCode.NotFound);
        await (await asB.GetAsync($"/tickets/by-number/{ticket.GetProperty("number").GetInt64()}")).AssertProblemAsync(HttpStatusCode.NotFound);
        await (await asB.GetAsync($"/tickets/{ticket.Id()}/comments")).AssertProblemAsync(HttpStatusCode.NotFound);
        await (await asB.GetAsync($"/tickets/{ticket.Id()}/history")).AssertProblemAsync(HttpStatusCode.NotFound);

        // Filters cannot widen what a customer sees.
        foreach (var url in new[] { $"/tickets?requester_id={a.Id}", "/tickets?limit=100", $"/tickets?category=authentication&limit=100" })
        {
            var page = await (await asB.GetAsync(url)).JsonAsync();
            Assert.DoesNotContain(page.Items(), t => t.Id() == ticket.Id());
            Assert.All(page.Items(), t => Assert.Equal(b.Id, t.GetProperty("requester_id").GetGuid()));
        }

        // The 404 for someone else's ticket is the same as for a ticket that does not exist.
        var missing = await (await asB.GetAsync($"/tickets/{Guid.NewGuid()}")).JsonAsync();
        var hidden = await (await asB.GetAsync($"/tickets/{ticket.Id()}")).JsonAsync();
        Assert.Equal(missing.GetProperty("detail").GetString(), hidden.GetProperty("detail").GetString());
    }

    [Fact]
    public async Task Invalid_ids_and_numbers_in_paths_are_404_problems_not_500s()
    {
        var customer = await app.RegisterCustomerAsync();
        using var client = app.ClientFor(customer);
        foreach (var url in new[] { "/tickets/not-a-uuid", "/tickets/00000000-0000-0000-0000-000000000000", "/tickets/by-number/abc",
                     "/tickets/by-number/99999999999999999999", "/tickets/by-number/-5", "/tickets/%27%20OR%201=1--/comments" })
        {
            var response = await client.GetAsync(url);
            Assert.True(response.StatusCode is HttpStatusCode.NotFound or HttpStatusCode.BadRequest, $"{url}: {(int)response.StatusCode}");
            Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        }
    }

    [Fact]
    public async Task A_customer_cannot_post_a_private_comment()
    {
        var customer = await app.RegisterCustomerAsync();
        using var client = app.ClientFor(customer);
        var ticket = await client.CreateTicketAsync();

        var response = await client.PostAsJsonAsync($"/tickets/{ticket.Id()}/comments", new { content = "psst", comment_type = "private" });

        await response.AssertProblemAsync(HttpStatusCode.Forbidden);
        await using var db = await app.OpenConnectionAsync();
        Assert.Equal(0, await db.ExecuteScalarAsync<int>("SELECT count(*) FROM comments WHERE ticket_id = @id", new { id = ticket.Id() }));
    }
}
