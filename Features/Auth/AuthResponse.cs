using SupportDesk.Features.Users;

namespace SupportDesk.Features.Auth;

/// <summary>What register and login answer: a bearer token and the user it belongs to.</summary>
public sealed record AuthResponse(string AccessToken, string TokenType, int ExpiresIn, UserResponse User);
