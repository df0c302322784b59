using System.Net;
using System.Security.Cryptography;
using System.Text;
using Dapper;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace SupportDesk.Tests.Infrastructure.Auth;

public sealed class JwtAttackTests(AppFixture app)
{
    private static string Forge(Guid userId, string role = "admin", string issuer = "supportdesk", string audience = "supportdesk-api",
        string secret = SupportDeskFactory.JwtSecret, DateTime? expires = null, int version = 0)
    {
        var now = DateTime.UtcNow;
        var exp = expires ?? now.AddHours(1);
        return new JsonWebTokenHandler().CreateToken(new SecurityTokenDescriptor
        {
            Issuer = issuer,
            Audience = audience,
            IssuedAt = exp.AddHours(-2),
            NotBefore = exp.AddHours(-2),
            Expires = exp,
            SigningCredentials = new SigningCredentials(new SymmetricSecurityKey(Encoding.UTF8.GetBytes(secret)), SecurityAlgorithms.HmacSha256),
            Claims = new Dictionary<string, object> { ["sub"] = userId.ToString(), ["role"] = role, ["ver"] = version },
        });
    }

    private async Task AssertRejectedAsync(string token)
    {
        using var client = app.ClientWithToken(token);
        await (await client.GetAsync("/auth/me")).AssertProblemAsync(HttpStatusCode.Unauthorized);
    }

    [Fact]
    public async Task A_correctly_forged_token_works_so_the_negative_cases_below_mean_something()
    {
        var customer = await app.RegisterCustomerAsync();
        using var client = app.ClientWithToken(Forge(customer.Id, role: "customer"));
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/auth/me")).StatusCode);
    }

    [Fact]
    public async Task Tampered_payload_is_rejected()
    {
        var customer = await app.RegisterCustomerAsync();
        var parts = customer.Token.Split('.');
        var payload = Encoding.UTF8.GetString(Base64UrlEncoder.DecodeBytes(parts[1])).Replace("\"customer\"", "\"admin\"");
        var tampered = $"{parts[0]}.{Base64UrlEncoder.Encode(payload)}.{parts[2]}";
        await AssertRejectedAsync(tampered);
    }

    [Fact]
    public async Task Alg_none_is_rejected()
    {
        var customer = await app.RegisterCustomerAsync();
        var header = Base64UrlEncoder.Encode("{\"alg\":\"none\",\"typ\":\"JWT\"}");
        var payload = Base64UrlEncoder.Encode(
            $"{{\"sub\":\"{customer.Id}\",\"role\":\"admin\",\"ver\":0,\"iss\":\"supportdesk\",\"aud\":\"supportdesk-api\",\"exp\":{DateTimeOffset.UtcNow.AddHours(1).ToUnixTimeSeconds()}}}");
        await AssertRejectedAsync($"{header}.{payload}.");
    }

    [Fact]
    public async Task Other_hmac_algorithms_are_rejected_even_with_the_right_key()
    {
        var customer = await app.RegisterCustomerAsync();
        var token = new JsonWebTokenHandler().CreateToken(new SecurityTokenDescriptor
        {
            Issuer = "supportdesk",
            Audience = "supportdesk-api",
            Expires = DateTime.UtcNow.AddHours(1),
            SigningCredentials = new SigningCredentials(
                new SymmetricSecurityKey(Encoding.UTF8.GetBytes(SupportDeskFactory.JwtSecret + SupportDeskFactory.JwtSecret)), SecurityAlgorithms.HmacSha512),
            Claims = new Dictionary<string, object> { ["sub"] = customer.Id.ToString(), ["role"] = "customer", ["ver"] = 0 },
        });
        await AssertRejectedAsync(token);
    }

    [Fact]
    public async Task Rsa_signed_token_is_rejected()
    {
        var customer = await app.RegisterCustomerAsync();
        using var rsa = RSA.Create(2048);
        var token = new JsonWebTokenHandler().CreateToken(new SecurityTokenDescriptor
        {
            Issuer = "supportdesk",
            Audience = "supportdesk-api",
            Expires = DateTime.UtcNow.AddHours(1),
            SigningCredentials = new SigningCredentials(new RsaSecurityKey(rsa), SecurityAlgorithms.RsaSha256),
            Claims = new Dictionary<string, object> { ["sub"] = customer.Id.ToString(), ["role"] = "customer", ["ver"] = 0 },
        });
        await AssertRejectedAsync(token);
    }

    [Fact]
    public async Task Wrong_key_issuer_or_audience_is_rejected()
    {
        var customer = await app.RegisterCustomerAsync();
        await AssertRejectedAsync(Forge(customer.Id, secret: "another-secret-that-is-long-enough-for-hs256-xyz"));
        await AssertRejectedAsync(Forge(customer.Id, issuer: "someone-else"));
        await AssertRejectedAsync(Forge(customer.Id, audience: "another-api"));
    }

    [Fact]
    public async Task Expired_beyond_the_clock_skew_is_rejected()
    {
        var customer = await app.RegisterCustomerAsync();
        await AssertRejectedAsync(Forge(customer.Id, role: "customer", expires: DateTime.UtcNow.AddMinutes(-5)));
    }

    [Fact]
    public async Task Token_of_a_deleted_user_is_rejected()
    {
        var customer = await app.RegisterCustomerAsync();
        await using (var db = await app.OpenConnectionAsync())
            await db.ExecuteAsync("DELETE FROM users WHERE id = @Id", new { customer.Id });
        await AssertRejectedAsync(customer.Token);
    }

    [Fact]
    public async Task Token_with_a_stale_version_is_rejected()
    {
        var customer = await app.RegisterCustomerAsync();
        await AssertRejectedAsync(Forge(customer.Id, role: "customer", version: 7));
    }

    [Fact]
    public async Task Garbage_bearer_values_are_rejected()
    {
        await AssertRejectedAsync("not-a-jwt");
        await AssertRejectedAsync("a.b.c");
        await AssertRejectedAsync(new string('A', 5000));
    }
}
