using System.Net;
using System.Net.Http.Json;
using Dapper;
using SupportDesk.Infrastructure.Auth;

namespace SupportDesk.Tests.Features.Auth;

public sealed class TokenLifecycleTests(AppFixture app)
{
    private async Task<AuthBody> LoginAsync(TestUser user)
    {
        using var client = app.Anonymous();
        var response = await client.PostAsJsonAsync("/auth/login", new { email = user.Email, password = user.Password });
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return await response.ReadAsync<AuthBody>();
    }

    private async Task<HttpResponseMessage> RefreshAsync(string refreshToken)
    {
        using var client = app.Anonymous();
        return await client.PostAsJsonAsync("/auth/refresh", new { refresh_token = refreshToken });
    }

    [Fact]
    public async Task Refresh_rotates_the_pair_and_stores_only_hashes()
    {
        var customer = await app.RegisterCustomerAsync();
        var session = await LoginAsync(customer);
        Assert.False(string.IsNullOrEmpty(session.RefreshToken));

        var response = await RefreshAsync(session.RefreshToken);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var next = await response.ReadAsync<AuthBody>();
        Assert.NotEqual(session.RefreshToken, next.RefreshToken);
        Assert.Equal(customer.Id, next.User.Id);
        using var authed = app.ClientWithToken(next.AccessToken);
        Assert.Equal(HttpStatusCode.OK, (await authed.GetAsync("/auth/me")).StatusCode);

        await using var db = await app.OpenConnectionAsync();
        var hashes = (await db.QueryAsync<byte[]>("SELECT token_hash FROM refresh_tokens WHERE user_id = @Id", new { customer.Id })).ToList();
        Assert.Contains(hashes, h => h.SequenceEqual(RefreshTokens.Hash(next.RefreshToken)));
        Assert.DoesNotContain(hashes, h => System.Text.Encoding.UTF8.GetString(h).Contains(next.RefreshToken));
    }

    [Fact]
    public async Task Reusing_a_retired_refresh_token_revokes_the_whole_family()
    {
        var customer = await app.RegisterCustomerAsync();
        var first = await LoginAsync(customer);
        var second = await (await RefreshAsync(first.RefreshToken)).ReadAsync<AuthBody>();

        await (await RefreshAsync(first.RefreshToken)).AssertProblemAsync(HttpStatusCode.Unauthorized);
        // The thief's replay killed the legitimate holder's newer token too.
        await (await RefreshAsync(second.RefreshToken)).AssertProblemAsync(HttpStatusCode.Unauthorized);

        // Another sign-in (another family) is untouched.
        var other = await LoginAsync(customer);
        Assert.Equal(HttpStatusCode.OK, (await RefreshAsync(other.RefreshToken)).StatusCode);
    }

    [Fact]
    public async Task Logout_revokes_the_family_and_unknown_tokens_are_401()
    {
        var customer = await app.RegisterCustomerAsync();
        var session = await LoginAsync(customer);
        using var client = app.Anonymous();

        Assert.Equal(HttpStatusCode.NoContent, (await client.PostAsJsonAsync("/auth/logout", new { refresh_token = session.RefreshToken })).StatusCode);
        await (await RefreshAsync(session.RefreshToken)).AssertProblemAsync(HttpStatusCode.Unauthorized);
        await (await RefreshAsync("made-up-token")).AssertProblemAsync(HttpStatusCode.Unauthorized);
        await (await client.PostAsJsonAsync("/auth/refresh", new { })).AssertProblemAsync(HttpStatusCode.BadRequest, "refresh_token");
        Assert.Equal(HttpStatusCode.NoContent, (await client.PostAsJsonAsync("/auth/logout", new { refresh_token = "unknown" })).StatusCode);
    }

    [Fact]
    public async Task Change_password_ends_every_other_session()
    {
        var customer = await app.RegisterCustomerAsync();
        var otherDevice = await LoginAsync(customer);
        using var client = app.ClientFor(customer);

        await (await client.PostAsJsonAsync("/auth/change-password", new { current_password = "wrong-one", new_password = "brand-new-password" }))
            .AssertProblemAsync(HttpStatusCode.BadRequest, "current_password");
        await (await client.PostAsJsonAsync("/auth/change-password", new { current_password = customer.Password, new_password = "short" }))
            .AssertProblemAsync(HttpStatusCode.BadRequest, "new_password");

        var response = await client.PostAsJsonAsync("/auth/change-password", new { current_password = customer.Password, new_password = "brand-new-password" });
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var fresh = await response.ReadAsync<AuthBody>();

        await (await client.GetAsync("/auth/me")).AssertProblemAsync(HttpStatusCode.Unauthorized);
        using var otherAccess = app.ClientWithToken(otherDevice.AccessToken);
        await (await otherAccess.GetAsync("/auth/me")).AssertProblemAsync(HttpStatusCode.Unauthorized);
        await (await RefreshAsync(otherDevice.RefreshToken)).AssertProblemAsync(HttpStatusCode.Unauthorized);

        using var freshClient = app.ClientWithToken(fresh.AccessToken);
        Assert.Equal(HttpStatusCode.OK, (await freshClient.GetAsync("/auth/me")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await RefreshAsync(fresh.RefreshToken)).StatusCode);
        Assert.False(string.IsNullOrEmpty(await app.LoginAsync(customer.Email, "brand-new-password")));
    }

    [Fact]
    public async Task Forgot_password_answers_the_same_for_known_and_unknown_emails()
    {
        var customer = await app.RegisterCustomerAsync();
        using var client = app.Anonymous();

        var known = await client.PostAsJsonAsync("/auth/forgot-password", new { email = customer.Email });
        var unknown = await client.PostAsJsonAsync("/auth/forgot-password", new { email = AppFixture.UniqueEmail("nobody") });

        Assert.Equal(HttpStatusCode.Accepted, known.StatusCode);
        Assert.Equal(HttpStatusCode.Accepted, unknown.StatusCode);
        Assert.Equal(await known.Content.ReadAsStringAsync(), await unknown.Content.ReadAsStringAsync());
        await using var db = await app.OpenConnectionAsync();
        Assert.Equal(1, await db.ExecuteScalarAsync<int>("SELECT count(*) FROM password_reset_tokens WHERE user_id = @Id AND expires_at > now()", new { customer.Id }));
    }

    [Fact]
    public async Task A_reset_token_works_once_and_ends_every_session()
    {
        var customer = await app.RegisterCustomerAsync();
        var session = await LoginAsync(customer);
        const string token = "known-reset-token-for-this-test";
        await using (var db = await app.OpenConnectionAsync())
        {
            await db.ExecuteAsync("INSERT INTO password_reset_tokens (id, user_id, token_hash, expires_at) VALUES (@id, @user, @hash, now() + interval '10 minutes')",
                new { id = Guid.CreateVersion7(), user = customer.Id, hash = RefreshTokens.Hash(token + customer.Id) });
            await db.ExecuteAsync("INSERT INTO password_reset_tokens (id, user_id, token_hash, expires_at) VALUES (@id, @user, @hash, now() - interval '1 minute')",
                new { id = Guid.CreateVersion7(), user = customer.Id, hash = RefreshTokens.Hash("expired" + customer.Id) });
        }
        using var client = app.Anonymous();

        await (await client.PostAsJsonAsync("/auth/reset-password", new { token = "expired" + customer.Id, new_password = "reset-password-1" }))
            .AssertProblemAsync(HttpStatusCode.BadRequest, "token");
        var results = await Task.WhenAll(Enumerable.Range(0, 4).Select(_ =>
            client.PostAsJsonAsync("/auth/reset-password", new { token = token + customer.Id, new_password = "reset-password-1" })));

        Assert.Equal(1, results.Count(r => r.StatusCode == HttpStatusCode.NoContent));
        Assert.Equal(3, results.Count(r => r.StatusCode == HttpStatusCode.BadRequest));
        using var old = app.ClientWithToken(session.AccessToken);
        await (await old.GetAsync("/auth/me")).AssertProblemAsync(HttpStatusCode.Unauthorized);
        await (await RefreshAsync(session.RefreshToken)).AssertProblemAsync(HttpStatusCode.Unauthorized);
        Assert.False(string.IsNullOrEmpty(await app.LoginAsync(customer.Email, "reset-password-1")));
    }

    [Fact]
    public async Task Deactivation_ends_every_session_for_good_even_after_reactivation()
    {
        var customer = await app.RegisterCustomerAsync();
        var session = await LoginAsync(customer);
        var admin = await app.CreateUserAsync("admin");
        using var asAdmin = app.ClientFor(admin);

        Assert.Equal(HttpStatusCode.OK, (await asAdmin.PatchJsonAsync($"/users/{customer.Id}", new { is_active = false })).StatusCode);
        await (await RefreshAsync(session.RefreshToken)).AssertProblemAsync(HttpStatusCode.Unauthorized);
        Assert.Equal(HttpStatusCode.OK, (await asAdmin.PatchJsonAsync($"/users/{customer.Id}", new { is_active = true })).StatusCode);

        await (await RefreshAsync(session.RefreshToken)).AssertProblemAsync(HttpStatusCode.Unauthorized);
        using var old = app.ClientWithToken(session.AccessToken);
        await (await old.GetAsync("/auth/me")).AssertProblemAsync(HttpStatusCode.Unauthorized);
        await using var db = await app.OpenConnectionAsync();
        Assert.Equal(0, await db.ExecuteScalarAsync<int>("SELECT count(*) FROM refresh_tokens WHERE user_id = @Id AND revoked_at IS NULL", new { customer.Id }));
        // A fresh sign-in after reactivation works as ever.
        Assert.Equal(HttpStatusCode.OK, (await RefreshAsync((await LoginAsync(customer)).RefreshToken)).StatusCode);
    }
}
