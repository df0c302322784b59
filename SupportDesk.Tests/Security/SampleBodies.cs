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
        "PUT /email-templates/{key}" => new() { ["subject"] = "Hi {{ recipient_name }}", ["html_body"] = "<p>{{ ticket_title }}</p>", ["text_body"] = "{{ ticket_title }}", ["is_active"] = true },
        "POST /knowledge-base" or "PUT /knowledge-base/{id:guid}" => new() { ["title"] = $"Article {Guid.NewGuid():N}", ["content"] = "Body", ["category"] = "account", ["tags"] = new JsonArray("x"), ["is_published"] = true },
        "PATCH /knowledge-base/{id:guid}" => new() { ["title"] = $"Renamed {Guid.NewGuid():N}" },
        _ => [],
    };

    /// <summary>A query string a route needs to be a valid request at all (search routes need a query).</summary>
    public static string QueryFor(ApiRoute route) => route.Key switch
    {
        "GET /knowledge-base/search" or "GET /search/global" => "?query=password",
        _ => "",
    };
}
