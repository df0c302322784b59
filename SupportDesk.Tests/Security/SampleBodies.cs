using System.Text.Json.Nodes;

namespace SupportDesk.Tests.Security;

/// <summary>A valid body for each route that takes one (fresh emails each call, so creates never collide).</summary>
public static class SampleBodies
{
    public static JsonObject For(ApiRoute route, SecuritySuiteApp app) => route.Key switch
    {
        "POST /auth/register" => new() { ["email"] = AppFixture.UniqueEmail("sample"), ["password"] = "password123", ["first_name"] = "A", ["last_name"] = "B" },
        "POST /auth/login" => new() { ["email"] = app.Users["owner"].Email, ["password"] = app.Users["owner"].Password },
        "POST /auth/refresh" or "POST /auth/logout" => new() { ["refresh_token"] = "not-a-real-refresh-token" },
        "POST /auth/change-password" => new() { ["current_password"] = "not-the-password", ["new_password"] = "another-password-1" },
        "POST /auth/forgot-password" => new() { ["email"] = app.Users["owner"].Email },
        "POST /auth/reset-password" => new() { ["token"] = "not-a-real-reset-token", ["new_password"] = "another-password-1" },
        "POST /tickets" => new() { ["title"] = "Broken", ["description"] = "It broke", ["priority"] = "high", ["category"] = "c", ["tags"] = new JsonArray("a") },
        "PUT /tickets/{id:guid}" or "PATCH /tickets/{id:guid}" => new() { ["title"] = "Renamed" },
        "POST /tickets/{id:guid}/comments" => new() { ["content"] = "Hello", ["comment_type"] = "public" },
        "POST /tickets/{id:guid}/assign" => new() { ["assignee_id"] = app.Users["agent"].Id.ToString() },
        "POST /users" => new() { ["email"] = AppFixture.UniqueEmail("staff"), ["password"] = "password123", ["first_name"] = "S", ["last_name"] = "T", ["role"] = "agent" },
        "PATCH /users/{id:guid}" => new() { ["first_name"] = "Renamed" },
        "POST /organizations" => new() { ["name"] = "Sample Org", ["domains"] = new JsonArray(OrganizationTestData.UniqueDomain("sample")), ["notes"] = "n", ["shared"] = true, ["shared_comments"] = false },
        "PATCH /organizations/{id:guid}" => new() { ["name"] = "Renamed Org", ["notes"] = "changed" },
        "POST /groups" => new() { ["name"] = $"Group {Guid.NewGuid():N}", ["description"] = "A team" },
        "PATCH /groups/{id:guid}" => new() { ["description"] = "Renamed team" },
        "PUT /me/availability" => new() { ["availability"] = "online" },
        "POST /views" or "PUT /views/{id:guid}" => new() { ["name"] = "Open queue", ["shared_with"] = "everyone", ["filters"] = new JsonObject { ["status"] = "open" } },
        "POST /routing-rules" => new() { ["name"] = "Sample rule", ["category"] = $"route-{Guid.NewGuid():N}", ["add_tags"] = new JsonArray("routed") },
        "PATCH /routing-rules/{id:guid}" => new() { ["name"] = "Renamed rule" },
        "PUT /email-templates/{key}" => new() { ["subject"] = "Hi {{ recipient_name }}", ["html_body"] = "<p>{{ ticket_title }}</p>", ["text_body"] = "{{ ticket_title }}", ["is_active"] = true },
        "POST /knowledge-base" or "PUT /knowledge-base/{id:guid}" => new() { ["title"] = $"Article {Guid.NewGuid():N}", ["content"] = "Body", ["category"] = "account", ["tags"] = new JsonArray("x"), ["is_published"] = true },
        "PATCH /knowledge-base/{id:guid}" => new() { ["title"] = $"Renamed {Guid.NewGuid():N}" },
        "POST /ticket-fields" => new() { ["key"] = TicketFieldTestData.UniqueKey("sample"), ["label"] = "Order number", ["type"] = "text", ["customer_visible"] = true },
        "PATCH /ticket-fields/{id:guid}" => new() { ["label"] = "Renamed" },
        "POST /schedules" or "PUT /schedules/{id:guid}" => System.Text.Json.Nodes.JsonNode.Parse(
            System.Text.Json.JsonSerializer.Serialize(SlaTestData.OfficeHours()))!.AsObject(),
        // Matches no seeded ticket (a tag nothing has), so background SLA work never touches the suite's rows.
        "POST /sla-policies" or "PUT /sla-policies/{id:guid}" => System.Text.Json.Nodes.JsonNode.Parse(System.Text.Json.JsonSerializer.Serialize(
            SlaPolicyTestData.ForTag("security-suite-none", [SlaPolicyTestData.Targets("low", resolution: 60)])))!.AsObject(),
        _ => [],
    };

    /// <summary>The request body for a route: a small text file for a multipart route, else the JSON sample.</summary>
    public static HttpContent ContentFor(ApiRoute route, SecuritySuiteApp app) => route.IsMultipart
        ? AttachmentTestData.Form(("sample.txt", AttachmentTestData.Text()))
        : new StringContent(For(route, app).ToJsonString(), System.Text.Encoding.UTF8, "application/json");

    /// <summary>Multipart bodies that are not acceptable uploads, each with its content type.</summary>
    public static IEnumerable<(string Name, HttpContent Body)> HostileMultipart()
    {
        static HttpContent Raw(string body, string contentType)
        {
            var content = new ByteArrayContent(System.Text.Encoding.ASCII.GetBytes(body));
            content.Headers.ContentType = System.Net.Http.Headers.MediaTypeHeaderValue.Parse(contentType);
            return content;
        }
        const string part = "--bb\r\nContent-Disposition: form-data; name=\"files\"; filename=\"a.txt\"\r\n\r\n";
        yield return ("truncated multipart", Raw(part + "half a fi", "multipart/form-data; boundary=bb"));
        yield return ("missing boundary", Raw(part + "x\r\n--bb--\r\n", "multipart/form-data"));
        yield return ("no closing boundary", Raw(part + "x\r\n", "multipart/form-data; boundary=bb"));
        yield return ("boundary only", Raw("--bb--\r\n", "multipart/form-data; boundary=bb"));
        yield return ("empty file", Raw(part + "\r\n--bb--\r\n", "multipart/form-data; boundary=bb"));
        yield return ("not a file part", Raw("--bb\r\nContent-Disposition: form-data; name=\"x\"\r\n\r\nv\r\n--bb--\r\n", "multipart/form-data; boundary=bb"));
        yield return ("html with a png name", AttachmentTestData.Form(("x.png", "<html><script>alert(1)</script></html>"u8.ToArray())));
        yield return ("executable", AttachmentTestData.Form(("x.txt", [(byte)'M', (byte)'Z', 0x90, 0, 3, 0])));
    }

    /// <summary>A query string a route needs to be a valid request at all (search routes need a query).</summary>
    public static string QueryFor(ApiRoute route) => route.Key switch
    {
        "GET /knowledge-base/search" or "GET /search/global" => "?query=password",
        _ => "",
    };
}
