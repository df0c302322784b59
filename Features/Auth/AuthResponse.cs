using SupportDesk.Features.Users;
using SupportDesk.Infrastructure.OpenApi;

namespace SupportDesk.Features.Auth;

/// <summary>What register, login, refresh and change-password answer: a bearer token, a refresh token, and the user.</summary>
public sealed record AuthResponse(string AccessToken, [property: OpenApiEnum("Bearer")] string TokenType, int ExpiresIn, string RefreshToken, int RefreshExpiresIn, UserResponse User);
