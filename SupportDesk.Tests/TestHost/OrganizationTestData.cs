using System.Net;
using System.Net.Http.Json;
using System.Text.Json;

namespace SupportDesk.Tests.TestHost;

/// <summary>Organizations for tests, made over HTTP by an admin: fresh domains each call, so tests never collide.</summary>
public static class OrganizationTestData
{
    public static string UniqueDomain(string prefix = "org") => $"{prefix}-{Guid.NewGuid():N}.test";

    public static async Task<JsonElement> CreateOrganizationAsync(this HttpClient admin, bool shared = false, bool sharedComments = false, params string[] domains)
    {
        var response = await admin.PostAsJsonAsync("/organizations", new
        {
            name = $"Org {Guid.NewGuid():N}", domains, notes = "", shared, shared_comments = sharedComments,
        });
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.Created, $"create organization: {(int)response.StatusCode} {text}");
        return JsonDocument.Parse(text).RootElement.Clone();
    }

    public static async Task AddMemberAsync(this HttpClient admin, Guid organizationId, Guid userId)
    {
        var response = await admin.PutAsync($"/organizations/{organizationId}/members/{userId}", null);
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.OK, $"add member: {(int)response.StatusCode} {text}");
    }

    /// <summary>A customer registered over HTTP with an address at this domain.</summary>
    public static async Task<TestUser> RegisterAtAsync(this AppFixture app, string domain)
    {
        var email = $"cust.{Guid.NewGuid():N}@{domain}";
        const string password = "correct horse battery";
        using var client = app.Anonymous();
        var response = await client.PostAsJsonAsync("/auth/register", new { email, password, first_name = "Oli", last_name = "Org" });
        response.EnsureSuccessStatusCode();
        var body = await response.Content.ReadFromJsonAsync<AuthBody>(TestJson.Options);
        return new TestUser(body!.User.Id, email.ToLowerInvariant(), password, "customer", body.AccessToken);
    }
}
