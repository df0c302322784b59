using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json.Nodes;

namespace SupportDesk.Tests.Security;

/// <summary>
/// Hostile input for every route of the route table: malformed bodies, wrong JSON types in each field, nulls,
/// 10k strings, invalid and nil UUIDs in paths, negative and huge paging, injection and script payloads, invalid
/// UTF-8. Never a 5xx; every refusal is a problem+json; no refused request changes any table.
/// </summary>
public sealed class BadInputSuiteTests(ITestOutputHelper output)
{
    [Fact]
    public async Task No_route_answers_hostile_input_with_a_5xx_or_a_write()
    {
        await using var app = await SecuritySuiteApp.StartAsync();
        var routes = ApiRoute.From(app.Factory.Services);
        using var client = app.ClientFor("admin");
        var unexpected = new List<string>();
        var sent = 0;

        async Task SendAsync(string description, HttpMethod method, string url, HttpContent? content, bool mustRefuse)
        {
            var before = await app.FingerprintAsync();
            using var request = new HttpRequestMessage(method, url) { Content = content };
            using var response = await client.SendAsync(request);
            sent++;
            var status = (int)response.StatusCode;
            var type = response.Content.Headers.ContentType?.MediaType;
            if (status >= 500)
                unexpected.Add($"{description}: {status} {await response.Content.ReadAsStringAsync()}");
            else if (status >= 400 && type != "application/problem+json")
                unexpected.Add($"{description}: {status} with {type ?? "no body"}, not a problem");
            else if (status >= 400 && await app.FingerprintAsync() != before)
                unexpected.Add($"{description}: refused with {status} but a table changed");
            else if (mustRefuse && status < 400)
                unexpected.Add($"{description}: accepted with {status}");
        }

        static HttpContent Json(JsonNode node) => new StringContent(node.ToJsonString(), Encoding.UTF8, "application/json");

        foreach (var route in routes)
        {
            var method = new HttpMethod(route.Method);
            // Deleting would remove the seeded object the other cases aim at; its path cases still run.
            var url = route.Url(p => app.ValueFor(route, p));

            foreach (var parameter in route.ParameterNames)
                foreach (var value in HostileValues.PathValues)
                    await SendAsync($"{route.Key} path {parameter}={value[..Math.Min(20, value.Length)]}", method,
                        route.Url(p => p == parameter ? value : app.ValueFor(route, p)),
                        route.BodyType is null ? null : Json(SampleBodies.For(route, app)),
                        // Any text can be a slug (an earlier case may have made an article titled "not-a-uuid").
                        mustRefuse: parameter != "slug");

            if (route.Method == "GET")
                foreach (var query in HostileValues.QueryStrings)
                    await SendAsync($"{route.Key} ?{query[..Math.Min(30, query.Length)]}", method, $"{url}?{query}", null, mustRefuse: false);

            if (route.BodyType is null)
                continue;

            // A file route gets broken multipart as well; the JSON cases below still run against it (each must be refused: 415).
            if (route.IsMultipart)
                foreach (var (name, body) in SampleBodies.HostileMultipart())
                    await SendAsync($"{route.Key} {name}", method, url, body, mustRefuse: true);

            foreach (var (name, bytes) in HostileValues.MalformedBodies())
            {
                var content = new ByteArrayContent(bytes);
                content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
                // A route whose body is optional (a preview of the stored template) may take "no body" as such.
                var mayBeEmpty = route.BodyOptional && name is "empty" or "null root";
                await SendAsync($"{route.Key} body {name}", method, url, content, mustRefuse: !mayBeEmpty);
            }
            await SendAsync($"{route.Key} text/plain body", method, url, new StringContent("{}", Encoding.UTF8, "text/plain"), mustRefuse: true);

            foreach (var (field, fieldType) in route.BodyFields())
                foreach (var (valueName, value) in HostileValues.For(fieldType))
                {
                    var body = SampleBodies.For(route, app);
                    body[field] = value?.DeepClone();
                    await SendAsync($"{route.Key} {field}={valueName}", method, url, Json(body), mustRefuse: false);
                }
            var unknownField = SampleBodies.For(route, app);
            unknownField["is_admin"] = true;
            await SendAsync($"{route.Key} unknown field", method, url, Json(unknownField), mustRefuse: true);
        }

        output.WriteLine($"bad-input suite: {routes.Count} routes, {sent} requests, {unexpected.Count} unexpected answers");
        Assert.True(routes.Count >= 20, $"only {routes.Count} routes found");
        Assert.True(unexpected.Count == 0, $"{unexpected.Count} of {sent} requests answered unexpectedly:\n" + string.Join("\n", unexpected.Take(60)));
    }
}
