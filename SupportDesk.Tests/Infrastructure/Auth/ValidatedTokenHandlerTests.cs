using System.Net;
using System.Security.Cryptography;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;
using SupportDesk.Infrastructure.Auth;

namespace SupportDesk.Tests.Infrastructure.Auth;

public sealed class ValidatedTokenHandlerTests(AppFixture app)
{
    private static readonly SymmetricSecurityKey Key = new(RandomNumberGenerator.GetBytes(32));

    private static string Issue(Guid userId)
    {
        var now = DateTime.UtcNow;
        return new JsonWebTokenHandler().CreateToken(new SecurityTokenDescriptor
        {
            Issuer = "issuer",
            Audience = "audience",
            IssuedAt = now,
            NotBefore = now,
            Expires = now.AddHours(1),
            SigningCredentials = new SigningCredentials(Key, SecurityAlgorithms.HmacSha256),
            Claims = new Dictionary<string, object> { ["sub"] = userId.ToString(), ["role"] = "agent" },
        });
    }

    /// <summary>
    /// The service's parameters, with two observable seams: the issuer check (part of the full validation only) counts
    /// full validations, and the lifetime check (made on every call) can be turned to "expired".
    /// </summary>
    private sealed class Parameters
    {
        public int FullValidations;
        public bool Expired;

        public TokenValidationParameters Build() => new()
        {
            ValidIssuer = "issuer",
            ValidAudience = "audience",
            IssuerSigningKey = Key,
            ValidAlgorithms = [SecurityAlgorithms.HmacSha256],
            ValidateIssuer = true,
            ValidateAudience = true,
            ValidateLifetime = true,
            RequireExpirationTime = true,
            RequireSignedTokens = true,
            ClockSkew = TimeSpan.FromSeconds(30),
            NameClaimType = "sub",
            RoleClaimType = "role",
            IssuerValidator = (issuer, _, _) =>
            {
                Interlocked.Increment(ref FullValidations);
                return issuer;
            },
            LifetimeValidator = (_, _, _, _) => !Expired,
        };
    }

    [Fact]
    public async Task A_token_validated_once_is_not_parsed_and_verified_again_and_each_call_gets_its_own_identity()
    {
        var handler = new ValidatedTokenHandler { MapInboundClaims = false };
        var parameters = new Parameters();
        var userId = Guid.NewGuid();
        var token = Issue(userId);

        var first = await handler.ValidateTokenAsync(token, parameters.Build());
        var second = await handler.ValidateTokenAsync(token, parameters.Build());

        Assert.True(first.IsValid);
        Assert.True(second.IsValid);
        Assert.Equal(1, parameters.FullValidations);
        Assert.NotSame(first.ClaimsIdentity, second.ClaimsIdentity);
        Assert.Equal(userId.ToString(), second.ClaimsIdentity.FindFirst("sub")?.Value);
        Assert.Equal("agent", second.ClaimsIdentity.FindFirst("role")?.Value);
        Assert.True(second.ClaimsIdentity.IsAuthenticated);
        Assert.Equal(first.ClaimsIdentity.GetType(), second.ClaimsIdentity.GetType());
        Assert.Equal(first.ClaimsIdentity.Claims.Select(c => (c.Type, c.Value, c.Issuer)), second.ClaimsIdentity.Claims.Select(c => (c.Type, c.Value, c.Issuer)));
        Assert.Equal(first.SecurityToken.ValidTo, second.SecurityToken.ValidTo);
    }

    [Fact]
    public async Task A_remembered_token_still_expires_and_is_then_validated_in_full_again()
    {
        var handler = new ValidatedTokenHandler { MapInboundClaims = false };
        var parameters = new Parameters();
        var token = Issue(Guid.NewGuid());
        Assert.True((await handler.ValidateTokenAsync(token, parameters.Build())).IsValid);

        parameters.Expired = true;
        var expired = await handler.ValidateTokenAsync(token, parameters.Build());

        Assert.False(expired.IsValid);
        Assert.IsType<SecurityTokenInvalidLifetimeException>(expired.Exception);
        // Forgotten: the next success is a full validation again (the full one checks the lifetime before the issuer).
        parameters.Expired = false;
        Assert.True((await handler.ValidateTokenAsync(token, parameters.Build())).IsValid);
        Assert.Equal(2, parameters.FullValidations);
        Assert.True((await handler.ValidateTokenAsync(token, parameters.Build())).IsValid);
        Assert.Equal(2, parameters.FullValidations);
    }

    [Fact]
    public async Task A_tampered_copy_of_a_remembered_token_is_refused_and_never_remembered()
    {
        var handler = new ValidatedTokenHandler { MapInboundClaims = false };
        var parameters = new Parameters();
        var token = Issue(Guid.NewGuid());
        Assert.True((await handler.ValidateTokenAsync(token, parameters.Build())).IsValid);

        // The same header and payload with another signature.
        var parts = token.Split('.');
        var tampered = $"{parts[0]}.{parts[1]}.{(parts[2][0] == 'A' ? 'B' : 'A')}{parts[2][1..]}";
        Assert.False((await handler.ValidateTokenAsync(tampered, parameters.Build())).IsValid);
        Assert.False((await handler.ValidateTokenAsync(tampered, parameters.Build())).IsValid);
        // With another key the remembered token is refused: what was remembered is only what that key verified.
        var other = parameters.Build();
        other.IssuerSigningKey = new SymmetricSecurityKey(RandomNumberGenerator.GetBytes(32));
        Assert.False((await handler.ValidateTokenAsync(token, other)).IsValid);
        Assert.True((await handler.ValidateTokenAsync(token, parameters.Build())).IsValid);
    }

    [Fact]
    public async Task Over_HTTP_a_token_keeps_working_and_a_deactivation_still_ends_it_on_the_next_request()
    {
        var customer = await app.RegisterCustomerAsync();
        using var client = app.ClientFor(customer);
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/auth/me")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/auth/me")).StatusCode);

        var admin = await app.CreateUserAsync("admin");
        using var asAdmin = app.ClientFor(admin);
        Assert.Equal(HttpStatusCode.OK, (await asAdmin.PatchJsonAsync($"/users/{customer.Id}", new { is_active = false })).StatusCode);

        await (await client.GetAsync("/auth/me")).AssertProblemAsync(HttpStatusCode.Unauthorized);
    }
}
