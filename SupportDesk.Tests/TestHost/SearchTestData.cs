using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Dapper;

namespace SupportDesk.Tests.TestHost;

/// <summary>Helpers for search tests: unique words (so parallel tests never see each other's rows) and rows made by SQL or HTTP.</summary>
public static class SearchTestData
{
    /// <summary>A made-up word no other test uses, e.g. "qvbhkafmoenp"; letters only, so every parser keeps it whole.</summary>
    public static string Word() => "qv" + new string(Guid.NewGuid().ToString("N")[..10].Select(c => (char)('a' + Convert.ToInt32(c.ToString(), 16))).ToArray());

    public static async Task<(Guid Id, long Number)> InsertTicketAsync(this AppFixture app, Guid requesterId, string title, string description, bool deleted = false)
    {
        await using var connection = await app.OpenConnectionAsync();
        var id = Guid.CreateVersion7();
        var number = await connection.ExecuteScalarAsync<long>("""
            INSERT INTO tickets (id, title, description, requester_id, created_by, deleted_at)
            VALUES (@id, @title, @description, @requesterId, @requesterId, CASE WHEN @deleted THEN now() END)
            RETURNING number
            """, new { id, title, description, requesterId, deleted });
        return (id, number);
    }

    public static async Task<Guid> InsertCommentAsync(this AppFixture app, Guid ticketId, Guid authorId, string content, string type = "public")
    {
        await using var connection = await app.OpenConnectionAsync();
        var id = Guid.CreateVersion7();
        await connection.ExecuteAsync(
            "INSERT INTO comments (id, ticket_id, author_id, content, comment_type) VALUES (@id, @ticketId, @authorId, @content, @type)",
            new { id, ticketId, authorId, content, type });
        return id;
    }

    public static async Task<JsonElement> CreateArticleAsync(this HttpClient staff, string title, string content,
        string category = "general", string[]? tags = null, bool published = true)
    {
        var response = await staff.PostAsJsonAsync("/knowledge-base", new { title, content, category, tags = tags ?? [], is_published = published });
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.Created, $"create article: {(int)response.StatusCode} {text}");
        return JsonDocument.Parse(text).RootElement.Clone();
    }

    public static Task<JsonElement> SearchArticlesAsync(this HttpClient client, string query, string extra = "") =>
        client.GetOkAsync($"/knowledge-base/search?query={Uri.EscapeDataString(query)}{extra}");

    public static Task<JsonElement> GlobalSearchAsync(this HttpClient client, string query, string extra = "") =>
        client.GetOkAsync($"/search/global?query={Uri.EscapeDataString(query)}{extra}");
}
