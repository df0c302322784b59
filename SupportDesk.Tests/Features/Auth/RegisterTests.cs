using System.Net;
using System.Net.Http.Json;
using System.Text;
using Dapper;

namespace SupportDesk.Tests.Features.Auth;

public sealed class RegisterTests(AppFixture app)
{
    [Fact]
    public async Task Register_creates_a_customer_and_returns_a_working_token()
    {
        var email = AppFixture.UniqueEmail();
        using var client = app.Anonymous();

        var response = await client.PostAsJsonAsync("/auth/register",
            new { email, password = "password123", first_name = "John", last_name = "Doe" });

        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        Assert.Equal("/auth/me", response.Headers.Location?.OriginalString);
        var json = await response.JsonAsync();
        Assert.Equal("Bearer", json.GetProperty("token_type").GetString());
        Assert.Equal(3600, json.GetProperty("expires_in").GetInt32());
        var user = json.GetProperty("user");
        Assert.Equal(email, user.GetProperty("email").GetString());
        Assert.Equal("John", user.GetProperty("first_name").GetString());
        Assert.Equal("Doe", user.GetProperty("last_name").GetString());
        Assert.Equal("customer", user.GetProperty("role").GetString());
        Assert.True(user.GetProperty("is_active").GetBoolean());
        Assert.False(user.TryGetProperty("password_hash", out _));
        Assert.DoesNotContain("password", json.GetRawText().Replace("\"password\"", ""), StringComparison.OrdinalIgnoreCase);

        using var authed = app.ClientWithToken(json.GetProperty("access_token").GetString()!);
        var me = await (await authed.GetAsync("/auth/me")).JsonAsync();
        Assert.Equal(user.GetProperty("id").GetGuid(), me.GetProperty("id").GetGuid());

        await using var db = await app.OpenConnectionAsync();
        var row = await db.QuerySingleAsync<(string Role, string PasswordHash)>(
            "SELECT role, password_hash FROM users WHERE id = @id", new { id = user.GetProperty("id").GetGuid() });
        Assert.Equal("customer", row.Role);
        Assert.StartsWith("$2", row.PasswordHash);
        Assert.True(BCrypt.Net.BCrypt.Verify("password123", row.PasswordHash));
    }

    [Fact]
    public async Task Duplicate_email_is_a_conflict_whatever_its_case()
    {
        var email = AppFixture.UniqueEmail();
        using var client = app.Anonymous();
        var first = await client.PostAsJsonAsync("/auth/register", new { email, password = "password123", first_name = "A", last_name = "B" });
        Assert.Equal(HttpStatusCode.Created, first.StatusCode);

        var second = await client.PostAsJsonAsync("/auth/register",
            new { email = email.ToUpperInvariant(), password = "password456", first_name = "C", last_name = "D" });

        await second.AssertProblemAsync(HttpStatusCode.Conflict);
        await using var db = await app.OpenConnectionAsync();
        Assert.Equal(1, await db.ExecuteScalarAsync<int>("SELECT count(*) FROM users WHERE lower(email) = lower(@email)", new { email }));
    }

    [Fact]
    public async Task Validation_errors_name_each_bad_field_and_write_nothing()
    {
        using var client = app.Anonymous();
        var response = await client.PostAsJsonAsync("/auth/register",
            new { email = "not-an-email", password = "short", first_name = "", last_name = new string('x', 101) });

        await response.AssertProblemAsync(HttpStatusCode.BadRequest, "email", "password", "first_name", "last_name");
        await using var db = await app.OpenConnectionAsync();
        Assert.Equal(0, await db.ExecuteScalarAsync<int>("SELECT count(*) FROM users WHERE email = 'not-an-email'"));
    }

    [Fact]
    public async Task Missing_fields_are_named()
    {
        using var client = app.Anonymous();
        var response = await client.PostAsJsonAsync("/auth/register", new { email = AppFixture.UniqueEmail() });
        await response.AssertProblemAsync(HttpStatusCode.BadRequest, "password", "first_name", "last_name");
    }

    [Fact]
    public async Task Password_longer_than_bcrypt_can_use_is_refused()
    {
        using var client = app.Anonymous();
        var response = await client.PostAsJsonAsync("/auth/register",
            new { email = AppFixture.UniqueEmail(), password = new string('é', 40), first_name = "A", last_name = "B" });
        await response.AssertProblemAsync(HttpStatusCode.BadRequest, "password");
    }

    [Theory]
    [InlineData("{\"email\": ", null)]
    [InlineData("not json at all", null)]
    [InlineData("[1,2,3]", null)]
    [InlineData("{\"email\": 42, \"password\": \"password123\", \"first_name\": \"A\", \"last_name\": \"B\"}", "email")]
    [InlineData("{\"email\": null, \"password\": \"password123\", \"first_name\": \"A\", \"last_name\": \"B\"}", "email")]
    [InlineData("{\"email\": \"a@b.test\", \"password\": \"password123\", \"first_name\": \"A\", \"last_name\": \"B\", \"role\": \"admin\"}", "role")]
    public async Task Malformed_or_mistyped_json_is_a_400_problem(string body, string? field)
    {
        using var client = app.Anonymous();
        var response = await client.PostAsync("/auth/register", new StringContent(body, Encoding.UTF8, "application/json"));
        if (field is null)
            await response.AssertProblemAsync(HttpStatusCode.BadRequest);
        else
            await response.AssertProblemAsync(HttpStatusCode.BadRequest, field);
    }

    [Fact]
    public async Task A_body_that_is_not_json_content_is_refused_with_a_problem()
    {
        using var client = app.Anonymous();
        var response = await client.PostAsync("/auth/register", new StringContent("email=a@b.c", Encoding.UTF8, "application/x-www-form-urlencoded"));
        Assert.True(response.StatusCode is HttpStatusCode.UnsupportedMediaType or HttpStatusCode.BadRequest, $"got {(int)response.StatusCode}");
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
    }
}
