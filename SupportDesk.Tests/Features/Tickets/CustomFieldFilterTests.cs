using System.Net;

namespace SupportDesk.Tests.Features.Tickets;

public sealed class CustomFieldFilterTests(AppFixture app)
{
    [Fact]
    public async Task Field_filters_parse_by_type_and_combine_with_the_other_filters()
    {
        using var admin = app.ClientFor(await app.CreateUserAsync("admin"));
        var (order, seats, renewal, vip, plan, devices) = (TicketFieldTestData.UniqueKey("order"), TicketFieldTestData.UniqueKey("seats"),
            TicketFieldTestData.UniqueKey("renewal"), TicketFieldTestData.UniqueKey("vip"), TicketFieldTestData.UniqueKey("plan"), TicketFieldTestData.UniqueKey("devices"));
        await admin.CreateFieldAsync(new { key = order, label = "Order", type = "text" });
        await admin.CreateFieldAsync(new { key = seats, label = "Seats", type = "number" });
        await admin.CreateFieldAsync(new { key = renewal, label = "Renewal", type = "date" });
        await admin.CreateFieldAsync(new { key = vip, label = "VIP", type = "checkbox" });
        await admin.CreateFieldAsync(new { key = plan, label = "Plan", type = "dropdown", options = TicketFieldTestData.Options("free", "gold") });
        await admin.CreateFieldAsync(new { key = devices, label = "Devices", type = "multi_select", options = TicketFieldTestData.Options("ios", "web") });
        using var agent = app.ClientFor(await app.CreateUserAsync("agent"));

        async Task<Guid> TicketAsync(string priority, Dictionary<string, object> values) =>
            (await agent.CreateTicketAsync(new { title = "Filter me", description = "d", priority, custom_fields = values })).Id();
        var a = await TicketAsync("high", new() { [order] = "123", [seats] = 10, [renewal] = "2027-01-31", [vip] = true, [plan] = "gold", [devices] = new[] { "ios", "web" } });
        var b = await TicketAsync("low", new() { [order] = "123", [seats] = 10.5, [vip] = false, [plan] = "free", [devices] = new[] { "web" } });
        var c = await TicketAsync("high", new() { [order] = "124" });

        async Task<List<Guid>> ListAsync(string query) => (await agent.GetOkAsync($"/tickets?limit=100&{query}")).Ids();

        Assert.Equal([b, a], await ListAsync($"field.{order}=123"));
        Assert.Equal([a], await ListAsync($"field.{order}=123&priority=high"));
        Assert.Equal([c], await ListAsync($"field.{order}=124"));
        Assert.Equal([a], await ListAsync($"field.{seats}=10"));
        Assert.Equal([a], await ListAsync($"field.{seats}=10.0"));
        Assert.Equal([b], await ListAsync($"field.{seats}=10.5"));
        Assert.Equal([a], await ListAsync($"field.{renewal}=2027-01-31"));
        Assert.Equal([a], await ListAsync($"field.{vip}=true"));
        Assert.Equal([b], await ListAsync($"field.{vip}=false"));
        Assert.Equal([a], await ListAsync($"field.{plan}=gold"));
        Assert.Equal([b, a], await ListAsync($"field.{devices}=web"));
        Assert.Equal([a], await ListAsync($"field.{devices}=ios&field.{plan}=gold"));
        Assert.Empty(await ListAsync($"field.{devices}=ios&field.{plan}=free"));
        var page = await agent.GetOkAsync($"/tickets?field.{order}=123&limit=1");
        Assert.Equal(2, page.GetProperty("total").GetInt64());
    }

    [Fact]
    public async Task A_filter_that_does_not_parse_or_names_no_visible_field_is_a_400_naming_it()
    {
        using var admin = app.ClientFor(await app.CreateUserAsync("admin"));
        var (seats, renewal, vip, secret) = (TicketFieldTestData.UniqueKey("seats"), TicketFieldTestData.UniqueKey("renewal"), TicketFieldTestData.UniqueKey("vip"), TicketFieldTestData.UniqueKey("secret"));
        await admin.CreateFieldAsync(new { key = seats, label = "Seats", type = "number", customer_visible = true });
        await admin.CreateFieldAsync(new { key = renewal, label = "Renewal", type = "date", customer_visible = true });
        await admin.CreateFieldAsync(new { key = vip, label = "VIP", type = "checkbox", customer_visible = true });
        await admin.CreateFieldAsync(new { key = secret, label = "Secret", type = "text" });
        using var agent = app.ClientFor(await app.CreateUserAsync("agent"));
        using var customer = app.ClientFor(await app.RegisterCustomerAsync());

        await (await agent.GetAsync($"/tickets?field.{seats}=ten")).AssertProblemAsync(HttpStatusCode.BadRequest, $"field.{seats}");
        await (await agent.GetAsync($"/tickets?field.{renewal}=31.01.2027")).AssertProblemAsync(HttpStatusCode.BadRequest, $"field.{renewal}");
        await (await agent.GetAsync($"/tickets?field.{vip}=yes")).AssertProblemAsync(HttpStatusCode.BadRequest, $"field.{vip}");
        await (await agent.GetAsync($"/tickets?field.{seats}=1&field.{seats}=2")).AssertProblemAsync(HttpStatusCode.BadRequest, $"field.{seats}");
        await (await agent.GetAsync($"/tickets?field.{secret}=a%00b")).AssertProblemAsync(HttpStatusCode.BadRequest, $"field.{secret}");
        await (await agent.GetAsync("/tickets?field.no_such_field_here=1")).AssertProblemAsync(HttpStatusCode.BadRequest, "field.no_such_field_here");
        // A staff-only field is unknown to customers; staff filter by it.
        await (await customer.GetAsync($"/tickets?field.{secret}=x")).AssertProblemAsync(HttpStatusCode.BadRequest, $"field.{secret}");
        Assert.Equal(HttpStatusCode.OK, (await agent.GetAsync($"/tickets?field.{secret}=x")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await customer.GetAsync($"/tickets?field.{seats}=1")).StatusCode);
    }

    [Fact]
    public async Task A_customer_filtering_sees_only_their_own_tickets()
    {
        using var admin = app.ClientFor(await app.CreateUserAsync("admin"));
        var order = TicketFieldTestData.UniqueKey("order");
        await admin.CreateFieldAsync(new { key = order, label = "Order", type = "text", customer_visible = true, customer_editable = true });
        using var mine = app.ClientFor(await app.RegisterCustomerAsync());
        using var theirs = app.ClientFor(await app.RegisterCustomerAsync());
        var own = (await mine.CreateTicketAsync(new { title = "Mine", description = "d", custom_fields = new Dictionary<string, object> { [order] = "X-1" } })).Id();
        await theirs.CreateTicketAsync(new { title = "Theirs", description = "d", custom_fields = new Dictionary<string, object> { [order] = "X-1" } });

        Assert.Equal([own], (await mine.GetOkAsync($"/tickets?field.{order}=X-1")).Ids());
    }

    [Fact]
    public async Task The_filter_is_a_containment_test_of_the_partial_gin_index()
    {
        // Whether the planner takes the index depends on the table's size: the benchmark shows the plan at 1M tickets.
        await using var db = await app.OpenConnectionAsync();
        var definition = await Dapper.SqlMapper.ExecuteScalarAsync<string>(db, "SELECT indexdef FROM pg_indexes WHERE indexname = 'ix_tickets_custom_fields'");
        Assert.Equal("CREATE INDEX ix_tickets_custom_fields ON public.tickets USING gin (custom_fields jsonb_path_ops) WHERE (deleted_at IS NULL)", definition);
        var sql = SupportDesk.Features.Tickets.ListTickets.ListTicketsHandler.SqlFor(new SupportDesk.Features.Tickets.ListTickets.ListTicketsQuery(
            new SupportDesk.Infrastructure.Auth.CurrentUser(Guid.NewGuid(), SupportDesk.Infrastructure.Auth.UserRole.Agent), null, null, null, null,
            SupportDesk.Features.Tickets.ListTickets.AssigneeFilter.Any, null, null, null, "created_at", "desc", 20, 0) { CustomFieldsContain = "{}" }, "english");
        Assert.Contains("t.deleted_at IS NULL", sql);
        Assert.Contains("t.custom_fields @> @CustomFieldsContain::jsonb", sql);
        // Like a text search, the total stops counting at the cap: a common value cannot be counted from the index.
        Assert.Contains($"LIMIT {SupportDesk.Features.Tickets.ListTickets.ListTicketsHandler.MaxSearchTotal}) matches", sql);
    }
}
