using System.Collections.Concurrent;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace SupportDesk.Infrastructure.Auth;

/// <summary>
/// JwtBearer's token handler, remembering the access tokens it has fully validated (signature, algorithm, issuer,
/// audience, lifetime). A client sends the same token on every request, and parsing it and checking its HMAC again
/// each time was the largest share of the service's own work per request (bench/README.md, the read path).
/// What the cache skips depends only on the token's bytes and this process's fixed key and parameters; what depends on
/// time is checked again on every request: the lifetime here (the same validator, the same clock skew), the user's
/// current state in JwtBearer's OnTokenValidated hook (AuthSetup). Failed tokens are never remembered.
/// </summary>
public sealed class ValidatedTokenHandler : JsonWebTokenHandler
{
    /// <summary>Bounds the memory: one entry per live session that called this instance recently.</summary>
    internal const int Capacity = 4096;

    private readonly ConcurrentDictionary<string, Validated> _validated = new(StringComparer.Ordinal);

    /// <summary>What was validated, and against which key, issuer and audience (JwtBearer clones the parameters per request; the key is shared).</summary>
    private sealed record Validated(JsonWebToken Token, string? TokenType, string? Issuer, SecurityKey? Key, string? ValidIssuer, string? ValidAudience)
    {
        public bool Against(TokenValidationParameters parameters) => ReferenceEquals(Key, parameters.IssuerSigningKey)
            && ValidIssuer == parameters.ValidIssuer && ValidAudience == parameters.ValidAudience;
    }

    public override async Task<TokenValidationResult> ValidateTokenAsync(string token, TokenValidationParameters validationParameters)
    {
        if (_validated.TryGetValue(token, out var known) && known.Against(validationParameters))
        {
            if (StillValid(known.Token, validationParameters))
                return new TokenValidationResult
                {
                    IsValid = true,
                    SecurityToken = known.Token,
                    // Built as the full validation builds it, and per request: nothing shares an identity.
                    ClaimsIdentity = CreateClaimsIdentity(known.Token, validationParameters),
                    TokenType = known.TokenType,
                    Issuer = known.Issuer,
                };
            // Expired (or not yet valid): forget it, and let the full validation below give the usual failure.
            _validated.TryRemove(token, out _);
        }

        var result = await base.ValidateTokenAsync(token, validationParameters);
        if (result.IsValid && result.SecurityToken is JsonWebToken validated)
        {
            if (_validated.Count >= Capacity)
                _validated.Clear();
            _validated[token] = new Validated(validated, result.TokenType, result.Issuer,
                validationParameters.IssuerSigningKey, validationParameters.ValidIssuer, validationParameters.ValidAudience);
        }
        return result;
    }

    private static bool StillValid(SecurityToken token, TokenValidationParameters parameters)
    {
        try
        {
            Validators.ValidateLifetime(token.ValidFrom == DateTime.MinValue ? null : token.ValidFrom,
                token.ValidTo == DateTime.MinValue ? null : token.ValidTo, token, parameters);
            return true;
        }
        catch (SecurityTokenException)
        {
            return false;
        }
    }
}
