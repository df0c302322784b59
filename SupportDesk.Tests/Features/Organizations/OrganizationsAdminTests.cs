using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Dapper;

namespace SupportDesk.Tests.Features.Organizations;

public sealed class OrganizationsAdminTests(AppFixture app)
{
    [Fact]
    public async Task Admin_creates_reads_updates_lists_and_deletes_an_organization()
    {
        var admin = await app.CreateUserAsync("admin");
        using var client = app.ClientFor(admin);
        var domain = OrganizationTestData.UniqueDomain("acme");

        var response = await client.PostAsJsonAsync("/organizations", new
        {
            name = "  Acme Corp ", domains = new[] { domain.ToUpperInvariant() + "." }, notes = "Key account\nsince 2019", shared = true, shared_comments = false,
        });
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        var created = await response.JsonAsync();
        var id = created.Id();
        Assert.Equal($"/organizations/{id}", response.Headers.Location?.OriginalString);
        Assert.Equal("Acme Corp", created.Str("name"));
        Assert.Equal([domain], created.GetProperty("domains").EnumerateArray().Select(d => d.GetString()!).ToArray());
        Assert.True(created.GetProperty("shared").GetBoolean());
        Assert.False(created.GetProperty("shared_comments").GetBoolean());
        Assert.Equal("Key account\nsince 2019", created.Str("notes"));

        var fetched = await client.GetOkAsync($"/organizations/{id}");
        Assert.Equal("Acme Corp", fetched.Str("name"));

        var second = OrganizationTestData.UniqueDomain("acme-eu");
        var patched = await (await client.PatchAsJsonAsync($"/organizations/{id}", new { name = "Acme", domains = new[] { second, domain }, shared_comments = true })).JsonAsync();
        Assert.Equal("Acme", patched.Str("name"));
        Assert.Equal(new[] { second, domain }.Order(StringComparer.Ordinal).ToArray(), patched.GetProperty("domains").EnumerateArray().Select(d => d.GetString()!).ToArray());
        Assert.True(patched.GetProperty("shared_comments").GetBoolean());
        Assert.Equal("Key account\nsince 2019", patched.Str("notes"));

        var byDomain = await client.GetOkAsync($"/organizations?domain={second.ToUpperInvariant()}");
        Assert.Equal([id], byDomain.Ids());
        Assert.Equal(1, byDomain.GetProperty("total").GetInt64());

        await using var db = await app.OpenConnectionAsync();
        Assert.Equal(2, await db.ExecuteScalarAsync<int>("SELECT count(*) FROM organization_domains WHERE organization_id = @id", new { id }));

        Assert.Equal(HttpStatusCode.NoContent, (await client.DeleteAsync($"/organizations/{id}")).StatusCode);
        await (await client.GetAsync($"/organizations/{id}")).AssertProblemAsync(HttpStatusCode.NotFound);
        await (await client.DeleteAsync($"/organizations/{id}")).AssertProblemAsync(HttpStatusCode.NotFound);
        Assert.Equal(0, await db.ExecuteScalarAsync<int>("SELECT count(*) FROM organization_domains WHERE organization_id = @id", new { id }));
    }

    [Fact]
    public async Task A_domain_claimed_twice_is_a_409_naming_domains_and_nothing_is_half_written()
    {
        var admin = await app.CreateUserAsync("admin");
        using var client = app.ClientFor(admin);
        var domain = OrganizationTestData.UniqueDomain("taken");
        var first = await client.CreateOrganizationAsync(domains: domain);
        var name = $"Second {Guid.NewGuid():N}";
        var fresh = OrganizationTestData.UniqueDomain("fresh");

        var problem = await (await client.PostAsJsonAsync("/organizations", new { name, domains = new[] { fresh, domain.ToUpperInvariant() } }))
            .AssertProblemAsync(HttpStatusCode.Conflict, "domains");
        Assert.Contains(domain, problem.GetProperty("detail").GetString());

        await using var db = await app.OpenConnectionAsync();
        Assert.Equal(0, await db.ExecuteScalarAsync<int>("SELECT count(*) FROM organizations WHERE name = @name", new { name }));
        Assert.Equal(0, await db.ExecuteScalarAsync<int>("SELECT count(*) FROM organization_domains WHERE domain = @fresh", new { fresh }));

        // The same through PATCH: the other organization keeps its name and its domains stay as they were.
        var other = await client.CreateOrganizationAsync(domains: fresh);
        await (await client.PatchAsJsonAsync($"/organizations/{other.Id()}", new { name = "Renamed", domains = new[] { domain } }))
            .AssertProblemAsync(HttpStatusCode.Conflict, "domains");
        var unchanged = await client.GetOkAsync($"/organizations/{other.Id()}");
        Assert.Equal(other.Str("name"), unchanged.Str("name"));
        Assert.Equal([fresh], unchanged.GetProperty("domains").EnumerateArray().Select(d => d.GetString()!).ToArray());
        Assert.Equal(first.Id(), await db.ExecuteScalarAsync<Guid>("SELECT organization_id FROM organization_domains WHERE domain = @domain", new { domain }));
    }

    [Fact]
    public async Task Two_organizations_claiming_one_domain_at_once_one_wins()
    {
        var admin = await app.CreateUserAsync("admin");
        var domain = OrganizationTestData.UniqueDomain("race");
        var responses = await Task.WhenAll(Enumerable.Range(0, 4).Select(async i =>
        {
            using var client = app.ClientFor(admin);
            return await client.PostAsJsonAsync("/organizations", new { name = $"Racer {i}", domains = new[] { domain } });
        }));
        Assert.Equal(1, responses.Count(r => r.StatusCode == HttpStatusCode.Created));
        foreach (var loser in responses.Where(r => r.StatusCode != HttpStatusCode.Created))
            await loser.AssertProblemAsync(HttpStatusCode.Conflict, "domains");
        await using var db = await app.OpenConnectionAsync();
        Assert.Equal(1, await db.ExecuteScalarAsync<int>("SELECT count(*) FROM organization_domains WHERE domain = @domain", new { domain }));
    }

    [Theory]
    [InlineData("""{"name":""}""", "name")]
    [InlineData("""{"name":"   "}""", "name")]
    [InlineData("""{"name":"a\nb"}""", "name")]
    [InlineData("""{"name":"ok","domains":["not a domain"]}""", "domains")]
    [InlineData("""{"name":"ok","domains":["nodot"]}""", "domains")]
    [InlineData("""{"name":"ok","domains":["a.test","A.TEST"]}""", "domains")]
    [InlineData("""{"name":"ok","domains":[null]}""", "domains")]
    [InlineData("""{"name":"ok","domains":"a.test"}""", "domains")]
    [InlineData("""{"name":"ok","shared":"yes"}""", "shared")]
    [InlineData("""{"name":"ok","notes":"a\u0000b"}""", "notes")]
    [InlineData("""{"name":"ok","unknown":1}""", "unknown")]
    public async Task Bad_input_is_a_400_naming_the_field(string body, string field)
    {
        var admin = await app.CreateUserAsync("admin");
        using var client = app.ClientFor(admin);
        var response = await client.PostAsync("/organizations", new StringContent(body, System.Text.Encoding.UTF8, "application/json"));
        await response.AssertProblemAsync(HttpStatusCode.BadRequest, field);
    }

    [Fact]
    public async Task Too_many_domains_and_overlong_notes_are_refused()
    {
        var admin = await app.CreateUserAsync("admin");
        using var client = app.ClientFor(admin);
        var many = Enumerable.Range(0, 51).Select(i => OrganizationTestData.UniqueDomain($"d{i}")).ToArray();
        await (await client.PostAsJsonAsync("/organizations", new { name = "Many", domains = many })).AssertProblemAsync(HttpStatusCode.BadRequest, "domains");
        await (await client.PostAsJsonAsync("/organizations", new { name = "Long", notes = new string('n', 10_001) })).AssertProblemAsync(HttpStatusCode.BadRequest, "notes");
        var org = await client.CreateOrganizationAsync();
        await (await client.PatchAsJsonAsync($"/organizations/{org.Id()}", new { })).AssertProblemAsync(HttpStatusCode.BadRequest, "body");
        await (await client.PatchAsJsonAsync($"/organizations/{Guid.NewGuid()}", new { name = "x" })).AssertProblemAsync(HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task Registration_matches_the_email_domain_case_insensitively()
    {
        var admin = await app.CreateUserAsync("admin");
        using var client = app.ClientFor(admin);
        var domain = OrganizationTestData.UniqueDomain("match");
        var org = await client.CreateOrganizationAsync(domains: domain);

        var member = await app.RegisterAtAsync(domain.ToUpperInvariant());
        var subdomain = await app.RegisterAtAsync("eu." + domain);
        var outsider = await app.RegisterCustomerAsync();

        using var asMember = app.ClientFor(member);
        Assert.Equal(org.Id(), (await asMember.GetOkAsync("/auth/me")).GetProperty("organization_id").GetGuid());
        await using var db = await app.OpenConnectionAsync();
        Assert.Equal(org.Id(), await db.ExecuteScalarAsync<Guid?>("SELECT organization_id FROM users WHERE id = @Id", new { member.Id }));
        Assert.Null(await db.ExecuteScalarAsync<Guid?>("SELECT organization_id FROM users WHERE id = @Id", new { subdomain.Id }));
        Assert.Null(await db.ExecuteScalarAsync<Guid?>("SELECT organization_id FROM users WHERE id = @Id", new { outsider.Id }));

        var members = await client.GetOkAsync($"/organizations/{org.Id()}/members");
        Assert.Equal([member.Id], members.Ids());
    }

    [Fact]
    public async Task Admin_moves_a_customer_between_organizations_and_out()
    {
        var admin = await app.CreateUserAsync("admin");
        using var client = app.ClientFor(admin);
        var customer = await app.RegisterCustomerAsync();
        var agent = await app.CreateUserAsync("agent");
        var first = await client.CreateOrganizationAsync();
        var second = await client.CreateOrganizationAsync();

        var joined = await (await client.PutAsync($"/organizations/{first.Id()}/members/{customer.Id}", null)).JsonAsync();
        Assert.Equal(first.Id(), joined.GetProperty("organization_id").GetGuid());
        await client.AddMemberAsync(second.Id(), customer.Id);
        Assert.Empty((await client.GetOkAsync($"/organizations/{first.Id()}/members")).Ids());
        Assert.Equal([customer.Id], (await client.GetOkAsync($"/organizations/{second.Id()}/members")).Ids());

        // Leaving an organization one is not in is a 404, and changes nothing.
        await (await client.DeleteAsync($"/organizations/{first.Id()}/members/{customer.Id}")).AssertProblemAsync(HttpStatusCode.NotFound);
        await (await client.PutAsync($"/organizations/{first.Id()}/members/{agent.Id}", null)).AssertProblemAsync(HttpStatusCode.UnprocessableEntity, "user_id");
        await (await client.PutAsync($"/organizations/{first.Id()}/members/{Guid.NewGuid()}", null)).AssertProblemAsync(HttpStatusCode.NotFound);
        await (await client.PutAsync($"/organizations/{Guid.NewGuid()}/members/{customer.Id}", null)).AssertProblemAsync(HttpStatusCode.NotFound);

        Assert.Equal(HttpStatusCode.NoContent, (await client.DeleteAsync($"/organizations/{second.Id()}/members/{customer.Id}")).StatusCode);
        await using var db = await app.OpenConnectionAsync();
        Assert.Null(await db.ExecuteScalarAsync<Guid?>("SELECT organization_id FROM users WHERE id = @Id", new { customer.Id }));
        Assert.Null(await db.ExecuteScalarAsync<Guid?>("SELECT organization_id FROM users WHERE id = @Id", new { agent.Id }));

        // Deleting an organization keeps its members, without one.
        await client.AddMemberAsync(first.Id(), customer.Id);
        Assert.Equal(HttpStatusCode.NoContent, (await client.DeleteAsync($"/organizations/{first.Id()}")).StatusCode);
        Assert.True(await db.ExecuteScalarAsync<bool>("SELECT organization_id IS NULL FROM users WHERE id = @Id", new { customer.Id }));
    }

    [Fact]
    public async Task A_customer_made_staff_leaves_their_organization()
    {
        var admin = await app.CreateUserAsync("admin");
        using var client = app.ClientFor(admin);
        var customer = await app.RegisterCustomerAsync();
        var stays = await app.RegisterCustomerAsync();
        var org = await client.CreateOrganizationAsync(shared: true);
        await client.AddMemberAsync(org.Id(), customer.Id);
        await client.AddMemberAsync(org.Id(), stays.Id);

        var renamed = await (await client.PatchAsJsonAsync($"/users/{stays.Id}", new { first_name = "Still" })).JsonAsync();
        Assert.Equal(org.Id(), renamed.GetProperty("organization_id").GetGuid());
        var promoted = await (await client.PatchAsJsonAsync($"/users/{customer.Id}", new { role = "agent" })).JsonAsync();
        Assert.Equal(JsonValueKind.Null, promoted.GetProperty("organization_id").ValueKind);
        Assert.Equal([stays.Id], (await client.GetOkAsync($"/organizations/{org.Id()}/members")).Ids());
    }

    [Fact]
    public async Task Only_admins_may_use_the_organization_routes()
    {
        var customer = await app.RegisterCustomerAsync();
        var agent = await app.CreateUserAsync("agent");
        using var asCustomer = app.ClientFor(customer);
        using var asAgent = app.ClientFor(agent);
        using var anonymous = app.Anonymous();
        await (await anonymous.GetAsync("/organizations")).AssertProblemAsync(HttpStatusCode.Unauthorized);
        await (await asCustomer.GetAsync("/organizations")).AssertProblemAsync(HttpStatusCode.Forbidden);
        await (await asAgent.PostAsJsonAsync("/organizations", new { name = "Nope" })).AssertProblemAsync(HttpStatusCode.Forbidden);
        await (await asCustomer.PutAsync($"/organizations/{Guid.NewGuid()}/members/{customer.Id}", null)).AssertProblemAsync(HttpStatusCode.Forbidden);
    }
}
