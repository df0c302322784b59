using Npgsql;
using SupportDesk.Features.Users;
using SupportDesk.Infrastructure.Auth;
using SupportDesk.Infrastructure.OpenApi;

namespace SupportDesk.Features.Auth;

/// <summary>What register, login, refresh and change-password answer: a bearer token, a refresh token, and the user.</summary>
public sealed record AuthResponse(string AccessToken, [property: OpenApiEnum("Bearer")] string TokenType, int ExpiresIn, string RefreshToken, int RefreshExpiresIn, UserResponse User);

/// <summary>Starts or continues a session: one access token plus one refresh token of the given family.</summary>
public sealed class AuthSessions(TokenIssuer tokens, RefreshTokens refreshTokens)
{
    public async Task<AuthResponse> IssueAsync(NpgsqlConnection connection, NpgsqlTransaction? transaction,
        UserResponse user, int tokenVersion, Guid? familyId, CancellationToken ct)
    {
        var access = tokens.Issue(user.Id, user.Email, user.Role, tokenVersion);
        var refresh = await refreshTokens.IssueAsync(connection, transaction, user.Id, familyId, ct);
        return new AuthResponse(access.AccessToken, "Bearer", access.ExpiresIn, refresh.Token, refresh.ExpiresIn, user);
    }
}
