using System.Text;
using Dapper;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;
using SupportDesk.Infrastructure.Realtime;

namespace SupportDesk.Tests.TestHost;

internal static class RealtimeTestData
{
    /// <summary>A ticket row inserted by SQL (ticket routes live in another slice).</summary>
    public static async Task<Guid> InsertTicketAsync(this AppFixture app, Guid requesterId, bool deleted = false)
    {
        var id = Guid.CreateVersion7();
        await using var db = await app.OpenConnectionAsync();
        await db.ExecuteAsync("""
            INSERT INTO tickets (id, title, description, requester_id, created_by, deleted_at)
            VALUES (@id, 'Printer on fire', 'It is on fire.', @requesterId, @requesterId, CASE WHEN @deleted THEN now() END)
            """, new { id, requesterId, deleted });
        return id;
    }

    public static RealtimeEvent Comment(Guid ticketId, Guid requesterId, bool isPrivate, string content = "hello") =>
        new(RealtimeEventTypes.CommentCreated, ticketId, new EventAudience(requesterId, StaffOnly: isPrivate),
            new { CommentId = Guid.CreateVersion7(), CommentType = isPrivate ? "private" : "public", Content = content });

    /// <summary>A token signed like the service's own, with the claims and lifetime the test wants.</summary>
    public static string Token(Guid userId, string role, DateTime expires, int version = 0, string secret = SupportDeskFactory.JwtSecret)
    {
        return new JsonWebTokenHandler().CreateToken(new SecurityTokenDescriptor
        {
            Issuer = "supportdesk",
            Audience = "supportdesk-api",
            IssuedAt = expires.AddHours(-2),
            NotBefore = expires.AddHours(-2),
            Expires = expires,
            SigningCredentials = new SigningCredentials(new SymmetricSecurityKey(Encoding.UTF8.GetBytes(secret)), SecurityAlgorithms.HmacSha256),
            Claims = new Dictionary<string, object> { ["sub"] = userId.ToString(), ["role"] = role, ["ver"] = version },
        });
    }
}
