using Microsoft.AspNetCore.Hosting;
using System.Net;
using System.Text.Json;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;

namespace SupportDesk.Tests.Infrastructure.OpenApi;

public sealed class OpenApiTests(AppFixture app)
{
    [Fact]
    public async Task Every_mapped_route_is_in_the_document_with_name_summary_tag_and_problems()
    {
        using var client = app.Anonymous();
        var response = await client.GetAsync("/openapi/v1.json");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var document = await response.JsonAsync();
        Assert.StartsWith("3.1", document.GetProperty("openapi").GetString());
        Assert.Equal("http", document.GetProperty("components").GetProperty("securitySchemes").GetProperty("Bearer").GetProperty("type").GetString());
        var paths = document.GetProperty("paths");

        var routes = app.Factory.Services.GetRequiredService<EndpointDataSource>().Endpoints.OfType<RouteEndpoint>()
            .Where(e => e.Metadata.GetMetadata<Microsoft.AspNetCore.Routing.IExcludeFromDescriptionMetadata>()?.ExcludeFromDescription != true)
            .SelectMany(e => (e.Metadata.GetMetadata<HttpMethodMetadata>()?.HttpMethods ?? []).Select(m => (Method: m, e.RoutePattern.RawText)))
            .ToList();
        Assert.True(routes.Count >= 19, $"found only {routes.Count} routes");

        var missing = new List<string>();
        foreach (var (method, raw) in routes)
        {
            // "/tickets/{id:guid}" is documented as "/tickets/{id}"
            var path = System.Text.RegularExpressions.Regex.Replace("/" + raw!.Trim('/'), @"\{([^}:]+)(:[^}]+)?\}", "{$1}");
            if (!paths.TryGetProperty(path, out var item) || !item.TryGetProperty(method.ToLowerInvariant(), out var operation))
            {
                missing.Add($"{method} {path}");
                continue;
            }
            Assert.False(string.IsNullOrEmpty(operation.GetProperty("operationId").GetString()), $"{method} {path} has a name");
            Assert.False(string.IsNullOrEmpty(operation.GetProperty("summary").GetString()), $"{method} {path} has a summary");
            Assert.True(operation.GetProperty("tags").GetArrayLength() > 0, $"{method} {path} has a tag");
            Assert.True(operation.GetProperty("responses").TryGetProperty("500", out _), $"{method} {path} documents its problem responses");
        }
        Assert.True(missing.Count == 0, "not documented: " + string.Join(", ", missing));
    }

    [Fact]
    public async Task The_reference_page_is_served()
    {
        using var client = app.Anonymous();
        var response = await client.GetAsync("/docs/");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Contains("<script", await response.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task Docs_are_off_in_production_unless_asked_for()
    {
        await using var database = await TestDatabase.CreateAsync("sd_docs");
        var settings = SupportDeskFactory.DefaultSettings(database.Url);
        await using var production = new ProductionFactory(settings);
        using var client = production.CreateClient();
        Assert.Equal(HttpStatusCode.NotFound, (await client.GetAsync("/openapi/v1.json")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/health")).StatusCode);
    }

    private sealed class ProductionFactory(IReadOnlyDictionary<string, string?> settings) : Microsoft.AspNetCore.Mvc.Testing.WebApplicationFactory<Program>
    {
        protected override void ConfigureWebHost(Microsoft.AspNetCore.Hosting.IWebHostBuilder builder)
        {
            builder.UseEnvironment("Production");
            foreach (var (key, value) in settings)
                builder.UseSetting(key, value);
        }
    }
}
