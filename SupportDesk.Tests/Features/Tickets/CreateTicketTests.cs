using System.Net;
using System.Net.Http.Json;
using Dapper;

namespace SupportDesk.Tests.Features.Tickets;

public sealed class CreateTicketTests(AppFixture app)
{
    [Fact]
    public async Task A_customer_opens_a_ticket_for_themself()
    {
        var customer = await app.RegisterCustomerAsync();
        using var client = app.ClientFor(customer);

        var response = await client.PostAsJsonAsync("/tickets", new
        {
            title = "Login Issue", description = "Cannot login to the application", priority = "high",
            category = "authentication", tags = new[] { "Login", "urgent", "login" },
        });

        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        var ticket = await response.JsonAsync();
        Assert.Equal($"/tickets/{ticket.Id()}", response.Headers.Location?.OriginalString);
        Assert.Equal("\"1\"", response.Headers.ETag?.ToString());
        Assert.Equal("Login Issue", ticket.Str("title"));
        Assert.Equal("open", ticket.Str("status"));
        Assert.Equal("high", ticket.Str("priority"));
        Assert.Equal("authentication", ticket.Str("category"));
        Assert.Equal(["login", "urgent"], ticket.GetProperty("tags").EnumerateArray().Select(t => t.GetString()));
        Assert.Equal(customer.Id, ticket.GetProperty("requester_id").GetGuid());
        Assert.Equal(customer.Id, ticket.GetProperty("created_by").GetGuid());
        Assert.Equal(System.Text.Json.JsonValueKind.Null, ticket.GetProperty("assignee_id").ValueKind);
        Assert.True(ticket.GetProperty("number").GetInt64() >= 1000);

        await using var db = await app.OpenConnectionAsync();
        var history = await db.QuerySingleAsync<(string Action, Guid ActorId)>(
            "SELECT action, actor_id FROM ticket_history WHERE ticket_id = @id", new { id = ticket.Id() });
        Assert.Equal(("created", customer.Id), history);
    }

    [Fact]
    public async Task Priority_defaults_to_medium_and_numbers_increase()
    {
        var customer = await app.RegisterCustomerAsync();
        using var client = app.ClientFor(customer);
        var first = await client.CreateTicketAsync(new { title = "One", description = "First" });
        var second = await client.CreateTicketAsync(new { title = "Two", description = "Second" });
        Assert.Equal("medium", first.Str("priority"));
        Assert.True(second.GetProperty("number").GetInt64() > first.GetProperty("number").GetInt64());
    }

    [Fact]
    public async Task An_agent_opens_a_ticket_on_a_customers_behalf()
    {
        var customer = await app.RegisterCustomerAsync();
        var agent = await app.CreateUserAsync("agent");
        using var asAgent = app.ClientFor(agent);

        var ticket = await asAgent.CreateTicketAsync(new { title = "Phoned in", description = "Customer called", requester_id = customer.Id });

        Assert.Equal(customer.Id, ticket.GetProperty("requester_id").GetGuid());
        Assert.Equal(agent.Id, ticket.GetProperty("created_by").GetGuid());
        using var asCustomer = app.ClientFor(customer);
        Assert.Equal(ticket.Id(), (await asCustomer.GetTicketAsync(ticket.Id())).Id());
    }

    [Fact]
    public async Task Requester_must_be_an_active_customer_and_customers_cannot_pick_one()
    {
        var customer = await app.RegisterCustomerAsync();
        var other = await app.RegisterCustomerAsync();
        var agent = await app.CreateUserAsync("agent");
        var otherAgent = await app.CreateUserAsync("agent");
        using var asCustomer = app.ClientFor(customer);
        using var asAgent = app.ClientFor(agent);

        await (await asCustomer.PostAsJsonAsync("/tickets", new { title = "x", description = "y", requester_id = other.Id }))
            .AssertProblemAsync(HttpStatusCode.Forbidden);
        await (await asAgent.PostAsJsonAsync("/tickets", new { title = "x", description = "y", requester_id = otherAgent.Id }))
            .AssertProblemAsync(HttpStatusCode.BadRequest, "requester_id");
        await (await asAgent.PostAsJsonAsync("/tickets", new { title = "x", description = "y", requester_id = Guid.NewGuid() }))
            .AssertProblemAsync(HttpStatusCode.BadRequest, "requester_id");

        await using var db = await app.OpenConnectionAsync();
        Assert.Equal(0, await db.ExecuteScalarAsync<int>("SELECT count(*) FROM tickets WHERE requester_id = @Id", new { other.Id }));
    }

    [Theory]
    [InlineData("{\"description\":\"d\"}", "title")]
    [InlineData("{\"title\":\"   \",\"description\":\"d\"}", "title")]
    [InlineData("{\"title\":\"t\"}", "description")]
    [InlineData("{\"title\":\"t\",\"description\":\"d\",\"priority\":\"critical\"}", "priority")]
    [InlineData("{\"title\":\"t\",\"description\":\"d\",\"priority\":3}", "priority")]
    [InlineData("{\"title\":\"t\",\"description\":\"d\",\"tags\":\"login\"}", "tags")]
    [InlineData("{\"title\":\"t\",\"description\":\"d\",\"tags\":[\"\"]}", "tags")]
    [InlineData("{\"title\":\"t\",\"description\":\"d\",\"requester_id\":\"not-a-uuid\"}", "requester_id")]
    [InlineData("{\"title\":\"t\",\"description\":\"d\",\"number\":5}", "number")]
    [InlineData("{\"title\":\"t\",\"description\":\"d\",\"status\":\"closed\"}", "status")]
    public async Task Bad_bodies_are_400_naming_the_field_and_create_nothing(string body, string field)
    {
        var customer = await app.RegisterCustomerAsync();
        using var client = app.ClientFor(customer);
        var response = await client.PostAsync("/tickets", new StringContent(body, System.Text.Encoding.UTF8, "application/json"));
        await response.AssertProblemAsync(HttpStatusCode.BadRequest, field);
        await using var db = await app.OpenConnectionAsync();
        Assert.Equal(0, await db.ExecuteScalarAsync<int>("SELECT count(*) FROM tickets WHERE requester_id = @Id", new { customer.Id }));
    }

    [Fact]
    public async Task Too_many_or_too_long_values_are_refused()
    {
        var customer = await app.RegisterCustomerAsync();
        using var client = app.ClientFor(customer);
        await (await client.PostAsJsonAsync("/tickets", new { title = new string('t', 201), description = "d" })).AssertProblemAsync(HttpStatusCode.BadRequest, "title");
        await (await client.PostAsJsonAsync("/tickets", new { title = "t", description = "d", tags = Enumerable.Range(0, 21).Select(i => $"t{i}") })).AssertProblemAsync(HttpStatusCode.BadRequest, "tags");
        await (await client.PostAsJsonAsync("/tickets", new { title = "t", description = "d", category = new string('c', 101) })).AssertProblemAsync(HttpStatusCode.BadRequest, "category");
    }
}
