using System.Net;
using System.Net.Http.Json;
using Dapper;

namespace SupportDesk.Tests.Features.Auth;

public sealed class LoginTests(AppFixture app)
{
    [Fact]
    public async Task Login_returns_the_spec_shape_and_a_token_that_reaches_me()
    {
        var customer = await app.RegisterCustomerAsync();
        using var client = app.Anonymous();

        var response = await client.PostAsJsonAsync("/auth/login", new { email = customer.Email.ToUpperInvariant(), password = customer.Password });

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var json = await response.JsonAsync();
        Assert.Equal("Bearer", json.GetProperty("token_type").GetString());
        Assert.Equal(3600, json.GetProperty("expires_in").GetInt32());
        Assert.Equal(customer.Id, json.GetProperty("user").GetProperty("id").GetGuid());
        Assert.False(json.GetProperty("user").TryGetProperty("password_hash", out _));

        using var authed = app.ClientWithToken(json.GetProperty("access_token").GetString()!);
        var me = await authed.GetAsync("/auth/me");
        Assert.Equal(HttpStatusCode.OK, me.StatusCode);
        Assert.Equal(customer.Email, (await me.JsonAsync()).GetProperty("email").GetString());
    }

    [Fact]
    public async Task Wrong_password_and_unknown_email_give_the_same_401()
    {
        var customer = await app.RegisterCustomerAsync();
        using var client = app.Anonymous();

        var wrongPassword = await client.PostAsJsonAsync("/auth/login", new { email = customer.Email, password = "not the password" });
        var unknownEmail = await client.PostAsJsonAsync("/auth/login", new { email = AppFixture.UniqueEmail("nobody"), password = "not the password" });

        var a = await wrongPassword.AssertProblemAsync(HttpStatusCode.Unauthorized);
        var b = await unknownEmail.AssertProblemAsync(HttpStatusCode.Unauthorized);
        Assert.Equal(a.GetProperty("title").GetString(), b.GetProperty("title").GetString());
        Assert.Equal(a.GetProperty("detail").GetString(), b.GetProperty("detail").GetString());
    }

    [Fact]
    public async Task Inactive_users_cannot_log_in()
    {
        var customer = await app.RegisterCustomerAsync();
        await using (var db = await app.OpenConnectionAsync())
            await db.ExecuteAsync("UPDATE users SET is_active = false WHERE id = @Id", new { customer.Id });

        using var client = app.Anonymous();
        var response = await client.PostAsJsonAsync("/auth/login", new { email = customer.Email, password = customer.Password });

        await response.AssertProblemAsync(HttpStatusCode.Unauthorized);
    }

    [Fact]
    public async Task Empty_credentials_are_a_validation_problem()
    {
        using var client = app.Anonymous();
        var response = await client.PostAsJsonAsync("/auth/login", new { email = "", password = "" });
        await response.AssertProblemAsync(HttpStatusCode.BadRequest, "email", "password");
    }

    [Fact]
    public async Task Me_without_a_token_is_401_problem()
    {
        using var client = app.Anonymous();
        var response = await client.GetAsync("/auth/me");
        await response.AssertProblemAsync(HttpStatusCode.Unauthorized);
    }
}
