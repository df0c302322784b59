using System.Net;
using System.Net.Http.Json;
using System.Text.Json;

namespace SupportDesk.Tests.TestHost;

/// <summary>Small helpers for ticket tests: every call goes through HTTP and checks its status.</summary>
public static class TicketTestData
{
    public static async Task<JsonElement> CreateTicketAsync(this HttpClient client, object? body = null)
    {
        body ??= new { title = $"Cannot log in {Guid.NewGuid():N}", description = "The login page spins forever.", priority = "high", category = "authentication", tags = new[] { "login", "urgent" } };
        var response = await client.PostAsJsonAsync("/tickets", body);
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.Created, $"create ticket: {(int)response.StatusCode} {text}");
        return JsonDocument.Parse(text).RootElement.Clone();
    }

    public static async Task<JsonElement> GetTicketAsync(this HttpClient client, Guid id)
    {
        var response = await client.GetAsync($"/tickets/{id}");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return await response.JsonAsync();
    }

    public static async Task<JsonElement> AddCommentAsync(this HttpClient client, Guid ticketId, string content, string type = "public")
    {
        var response = await client.PostAsJsonAsync($"/tickets/{ticketId}/comments", new { content, comment_type = type });
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.Created, $"add comment: {(int)response.StatusCode} {text}");
        return JsonDocument.Parse(text).RootElement.Clone();
    }

    public static Task<HttpResponseMessage> PatchJsonAsync(this HttpClient client, string url, object body, string? ifMatch = null)
    {
        var request = new HttpRequestMessage(HttpMethod.Patch, url) { Content = JsonContent.Create(body) };
        if (ifMatch is not null)
            request.Headers.TryAddWithoutValidation("If-Match", ifMatch);
        return client.SendAsync(request);
    }
}
