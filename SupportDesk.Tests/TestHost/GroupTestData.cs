using System.Net.Http.Json;
using System.Text.Json;

namespace SupportDesk.Tests.TestHost;

public static class GroupTestData
{
    /// <summary>A group with a fresh name, and these users as members (the client must be an admin's).</summary>
    public static async Task<Guid> CreateGroupAsync(this HttpClient admin, params TestUser[] members)
    {
        var response = await admin.PostAsJsonAsync("/groups", new { name = $"Team {Guid.NewGuid():N}", description = "test team" });
        response.EnsureSuccessStatusCode();
        var id = (await response.JsonAsync()).Id();
        foreach (var member in members)
            (await admin.PutAsync($"/groups/{id}/members/{member.Id}", null)).EnsureSuccessStatusCode();
        return id;
    }

    public static async Task<JsonElement> GetGroupAsync(this HttpClient client, Guid id) => await client.GetOkAsync($"/groups/{id}");
}
