using System.Net;
using System.Net.Http.Json;
using Dapper;

namespace SupportDesk.Tests.Features.Users;

public sealed class UsersAdminTests(AppFixture app)
{
    [Fact]
    public async Task Admin_routes_refuse_anonymous_customers_and_agents()
    {
        var customer = await app.RegisterCustomerAsync();
        var agent = await app.CreateUserAsync("agent");
        using var anonymous = app.Anonymous();
        using var asCustomer = app.ClientFor(customer);
        using var asAgent = app.ClientFor(agent);
        var body = new { email = AppFixture.UniqueEmail(), password = "password123", first_name = "A", last_name = "B", role = "agent" };

        await (await anonymous.GetAsync("/users")).AssertProblemAsync(HttpStatusCode.Unauthorized);
        await (await asCustomer.GetAsync("/users")).AssertProblemAsync(HttpStatusCode.Forbidden);
        await (await asAgent.GetAsync("/users")).AssertProblemAsync(HttpStatusCode.Forbidden);
        await (await anonymous.PostAsJsonAsync("/users", body)).AssertProblemAsync(HttpStatusCode.Unauthorized);
        await (await asCustomer.PostAsJsonAsync("/users", body)).AssertProblemAsync(HttpStatusCode.Forbidden);
        await (await asAgent.PostAsJsonAsync("/users", body)).AssertProblemAsync(HttpStatusCode.Forbidden);
        await (await asAgent.PatchAsJsonAsync($"/users/{customer.Id}", new { role = "admin" })).AssertProblemAsync(HttpStatusCode.Forbidden);
        await (await asCustomer.GetAsync($"/users/{customer.Id}")).AssertProblemAsync(HttpStatusCode.Forbidden);

        await using var db = await app.OpenConnectionAsync();
        Assert.Equal(0, await db.ExecuteScalarAsync<int>("SELECT count(*) FROM users WHERE email = @email", new { body.email }));
        Assert.Equal("customer", await db.ExecuteScalarAsync<string>("SELECT role FROM users WHERE id = @Id", new { customer.Id }));
    }

    [Fact]
    public async Task Admin_creates_an_agent_who_can_then_log_in()
    {
        var admin = await app.CreateUserAsync("admin");
        using var client = app.ClientFor(admin);
        var email = AppFixture.UniqueEmail("agent");

        var response = await client.PostAsJsonAsync("/users", new { email, password = "agent-password", first_name = "Ada", last_name = "Agent", role = "agent" });

        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        var user = await response.JsonAsync();
        Assert.Equal("agent", user.GetProperty("role").GetString());
        Assert.Equal($"/users/{user.GetProperty("id").GetGuid()}", response.Headers.Location?.OriginalString);
        var token = await app.LoginAsync(email, "agent-password");
        using var asAgent = app.ClientWithToken(token);
        Assert.Equal("agent", (await (await asAgent.GetAsync("/auth/me")).JsonAsync()).GetProperty("role").GetString());
    }

    [Fact]
    public async Task Create_user_validates_role_and_fields()
    {
        var admin = await app.CreateUserAsync("admin");
        using var client = app.ClientFor(admin);

        var badRole = await client.PostAsJsonAsync("/users", new { email = AppFixture.UniqueEmail(), password = "password123", first_name = "A", last_name = "B", role = "superuser" });
        await badRole.AssertProblemAsync(HttpStatusCode.BadRequest, "role");

        var missingRole = await client.PostAsJsonAsync("/users", new { email = AppFixture.UniqueEmail(), password = "password123", first_name = "A", last_name = "B" });
        await missingRole.AssertProblemAsync(HttpStatusCode.BadRequest, "role");

        var duplicate = await client.PostAsJsonAsync("/users", new { email = admin.Email, password = "password123", first_name = "A", last_name = "B", role = "agent" });
        await duplicate.AssertProblemAsync(HttpStatusCode.Conflict);
    }

    [Fact]
    public async Task List_is_paged_and_filters_by_role()
    {
        // Other tests add agents to the shared database at any moment, which would shift pages between two
        // requests; this one gets a database of its own so its pages are its rows only.
        await using var database = await TestDatabase.CreateAsync("sd_userpages");
        await using var factory = new SupportDeskFactory(SupportDeskFactory.DefaultSettings(database.Url));
        using var anonymous = factory.CreateClient();
        (await anonymous.GetAsync("/health")).EnsureSuccessStatusCode();
        var agentIds = new List<Guid>();
        await using (var db = new Npgsql.NpgsqlConnection(database.ConnectionString))
        {
            foreach (var (email, role) in new[] { ("boss@example.test", "admin"), ("a1@example.test", "agent"), ("a2@example.test", "agent"), ("a3@example.test", "agent"), ("c1@example.test", "customer") })
            {
                var id = Guid.CreateVersion7();
                if (role == "agent") agentIds.Add(id);
                await db.ExecuteAsync("INSERT INTO users (id, email, password_hash, first_name, last_name, role) VALUES (@id, @email, @hash, 'T', 'U', @role)",
                    new { id, email, hash = BCrypt.Net.BCrypt.HashPassword("pw-password", 4), role });
                await Task.Delay(5);
            }
        }
        var login = await (await anonymous.PostAsJsonAsync("/auth/login", new { email = "boss@example.test", password = "pw-password" })).ReadAsync<AuthBody>();
        using var client = factory.CreateClient();
        client.DefaultRequestHeaders.Authorization = new("Bearer", login.AccessToken);

        var seen = new List<Guid>();
        for (var offset = 0; offset < 3; offset += 2)
        {
            var page = await (await client.GetAsync($"/users?role=agent&limit=2&offset={offset}")).JsonAsync();
            Assert.Equal(3, page.GetProperty("total").GetInt64());
            Assert.Equal(2, page.GetProperty("limit").GetInt32());
            Assert.Equal(offset, page.GetProperty("offset").GetInt32());
            Assert.All(page.GetProperty("items").EnumerateArray(), u => Assert.Equal("agent", u.GetProperty("role").GetString()));
            seen.AddRange(page.GetProperty("items").EnumerateArray().Select(u => u.GetProperty("id").GetGuid()));
        }
        // Newest first, no overlap, nothing skipped.
        Assert.Equal(Enumerable.Reverse(agentIds), seen);
        Assert.Equal(5, (await (await client.GetAsync("/users")).JsonAsync()).GetProperty("total").GetInt64());
    }

    [Theory]
    [InlineData("/users?limit=0", "limit")]
    [InlineData("/users?limit=101", "limit")]
    [InlineData("/users?offset=-1", "offset")]
    [InlineData("/users?role=owner", "role")]
    public async Task Bad_paging_and_filters_are_400_naming_the_parameter(string url, string field)
    {
        var admin = await app.CreateUserAsync("admin");
        using var client = app.ClientFor(admin);
        await (await client.GetAsync(url)).AssertProblemAsync(HttpStatusCode.BadRequest, field);
    }

    [Fact]
    public async Task Non_numeric_paging_is_a_400_problem()
    {
        var admin = await app.CreateUserAsync("admin");
        using var client = app.ClientFor(admin);
        await (await client.GetAsync("/users?limit=ten")).AssertProblemAsync(HttpStatusCode.BadRequest);
    }

    [Fact]
    public async Task Unknown_or_malformed_user_ids_are_404_problems()
    {
        var admin = await app.CreateUserAsync("admin");
        using var client = app.ClientFor(admin);
        await (await client.GetAsync($"/users/{Guid.NewGuid()}")).AssertProblemAsync(HttpStatusCode.NotFound);
        await (await client.GetAsync("/users/not-a-uuid")).AssertProblemAsync(HttpStatusCode.NotFound);
        await (await client.PatchAsJsonAsync($"/users/{Guid.NewGuid()}", new { is_active = false })).AssertProblemAsync(HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task Deactivating_a_user_retires_their_existing_token()
    {
        var admin = await app.CreateUserAsync("admin");
        var customer = await app.RegisterCustomerAsync();
        using var asCustomer = app.ClientFor(customer);
        Assert.Equal(HttpStatusCode.OK, (await asCustomer.GetAsync("/auth/me")).StatusCode);

        using var asAdmin = app.ClientFor(admin);
        var response = await asAdmin.PatchAsJsonAsync($"/users/{customer.Id}", new { is_active = false });
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.False((await response.JsonAsync()).GetProperty("is_active").GetBoolean());

        await (await asCustomer.GetAsync("/auth/me")).AssertProblemAsync(HttpStatusCode.Unauthorized);
        using var anonymous = app.Anonymous();
        await (await anonymous.PostAsJsonAsync("/auth/login", new { email = customer.Email, password = customer.Password }))
            .AssertProblemAsync(HttpStatusCode.Unauthorized);
    }

    [Fact]
    public async Task A_role_change_applies_on_the_next_request()
    {
        var admin = await app.CreateUserAsync("admin");
        var agent = await app.CreateUserAsync("agent");
        using var asAdmin = app.ClientFor(admin);

        var promoted = await asAdmin.PatchAsJsonAsync($"/users/{agent.Id}", new { role = "admin" });
        Assert.Equal(HttpStatusCode.OK, promoted.StatusCode);
        Assert.Equal("admin", (await promoted.JsonAsync()).GetProperty("role").GetString());

        // The old token carried role=agent; it is retired rather than trusted.
        using var oldToken = app.ClientFor(agent);
        await (await oldToken.GetAsync("/users")).AssertProblemAsync(HttpStatusCode.Unauthorized);
        using var fresh = app.ClientWithToken(await app.LoginAsync(agent.Email, agent.Password));
        Assert.Equal(HttpStatusCode.OK, (await fresh.GetAsync("/users")).StatusCode);
    }

    [Fact]
    public async Task Patch_with_no_fields_is_a_validation_problem()
    {
        var admin = await app.CreateUserAsync("admin");
        using var client = app.ClientFor(admin);
        await (await client.PatchAsJsonAsync($"/users/{admin.Id}", new { })).AssertProblemAsync(HttpStatusCode.BadRequest, "body");
    }

    [Fact]
    public async Task The_last_active_admin_cannot_demote_themself_when_alone()
    {
        // Other tests create admins in the shared database, so this rule gets a database of its own.
        await using var database = await TestDatabase.CreateAsync("sd_lastadmin");
        await using var factory = new SupportDeskFactory(SupportDeskFactory.DefaultSettings(database.Url));
        using var anonymous = factory.CreateClient();
        await using (var db = new Npgsql.NpgsqlConnection(database.ConnectionString))
        {
            (await anonymous.GetAsync("/health")).EnsureSuccessStatusCode();
            await db.ExecuteAsync("INSERT INTO users (id, email, password_hash, first_name, last_name, role) VALUES (@id, 'solo@example.test', @hash, 'Solo', 'Admin', 'admin')",
                new { id = Guid.CreateVersion7(), hash = BCrypt.Net.BCrypt.HashPassword("solo-password", 4) });
        }
        var login = await (await anonymous.PostAsJsonAsync("/auth/login", new { email = "solo@example.test", password = "solo-password" })).ReadAsync<AuthBody>();
        using var client = factory.CreateClient();
        client.DefaultRequestHeaders.Authorization = new("Bearer", login.AccessToken);

        await (await client.PatchAsJsonAsync($"/users/{login.User.Id}", new { role = "agent" })).AssertProblemAsync(HttpStatusCode.Conflict);
        await (await client.PatchAsJsonAsync($"/users/{login.User.Id}", new { is_active = false })).AssertProblemAsync(HttpStatusCode.Conflict);
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/users")).StatusCode);
    }
}
