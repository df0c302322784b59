using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;
using SupportDesk.Infrastructure.Configuration;

namespace SupportDesk.Infrastructure.Auth;

public static class TokenClaims
{
    public const string Subject = "sub";
    public const string Role = "role";
    public const string Email = "email";
    /// <summary>The user's token_version when the token was issued; a bump (deactivation, role change) retires older tokens.</summary>
    public const string Version = "ver";
    /// <summary>Added from the user's row on each request (never issued in a token): "true" for an agent restricted to their groups.</summary>
    public const string RestrictedToGroups = "sd_restricted";
}

public sealed record IssuedToken(string AccessToken, int ExpiresIn);

/// <summary>Issues HS256 access tokens; JwtBearer validates them with the same key, issuer and audience.</summary>
public sealed class TokenIssuer(AppSettings settings, TimeProvider clock)
{
    private readonly JsonWebTokenHandler _handler = new();
    private readonly SigningCredentials _credentials = new(new SymmetricSecurityKey(settings.Auth.JwtSecret), SecurityAlgorithms.HmacSha256);

    public IssuedToken Issue(Guid userId, string email, UserRole role, int tokenVersion)
    {
        var now = clock.GetUtcNow().UtcDateTime;
        var token = _handler.CreateToken(new SecurityTokenDescriptor
        {
            Issuer = settings.Auth.JwtIssuer,
            Audience = settings.Auth.JwtAudience,
            IssuedAt = now,
            NotBefore = now,
            Expires = now.AddSeconds(settings.Auth.JwtExpirationSeconds),
            SigningCredentials = _credentials,
            Claims = new Dictionary<string, object>
            {
                [TokenClaims.Subject] = userId.ToString(),
                [TokenClaims.Email] = email,
                [TokenClaims.Role] = role.ToDb(),
                [TokenClaims.Version] = tokenVersion,
                [JwtRegisteredClaimNames.Jti] = Guid.NewGuid().ToString("N"),
            },
        });
        return new IssuedToken(token, settings.Auth.JwtExpirationSeconds);
    }

    public TokenValidationParameters ValidationParameters() => new()
    {
        ValidIssuer = settings.Auth.JwtIssuer,
        ValidAudience = settings.Auth.JwtAudience,
        IssuerSigningKey = _credentials.Key,
        ValidAlgorithms = [SecurityAlgorithms.HmacSha256],
        ValidateIssuer = true,
        ValidateAudience = true,
        ValidateLifetime = true,
        ValidateIssuerSigningKey = true,
        RequireExpirationTime = true,
        RequireSignedTokens = true,
        ClockSkew = TimeSpan.FromSeconds(30),
        NameClaimType = TokenClaims.Subject,
        RoleClaimType = TokenClaims.Role,
    };

}
