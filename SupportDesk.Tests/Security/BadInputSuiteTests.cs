using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json.Nodes;

namespace SupportDesk.Tests.Security;

/// <summary>
/// Hostile input for every route of the route table: malformed bodies, wrong JSON types in each field, nulls,
/// 10k strings, invalid and nil UUIDs in paths, negative and huge paging, injection and script payloads, invalid
/// UTF-8; and the text databases and mail systems choke on (NUL, lone surrogates, non-characters, bidi controls,
/// CR/LF, mixed normalisation, deep nesting, numbers past int64, 10 MB bodies) in every body field, query
/// parameter and path value. Never a 5xx; every refusal is a problem+json; no refused request changes any table.
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

        // Only requests change tables, so one request's "after" is the next one's "before": one fingerprint per request.
        string? fingerprint = null;
        async Task SendAsync(string description, HttpMethod method, string url, HttpContent? content, bool mustRefuse, HttpClient? via = null, int? expected = null, string? mustName = null)
        {
            var before = fingerprint ?? await app.FingerprintAsync();
            using var request = new HttpRequestMessage(method, url) { Content = content };
            // Over a socket, wait for the server before sending a body: it answers an oversized one without reading it.
            request.Headers.ExpectContinue = via is not null;
            using var response = await (via ?? client).SendAsync(request);
            sent++;
            fingerprint = await app.FingerprintAsync();
            var status = (int)response.StatusCode;
            var type = response.Content.Headers.ContentType?.MediaType;
            if (status >= 500)
                unexpected.Add($"{description}: {status} {await response.Content.ReadAsStringAsync()}");
            else if (status >= 400 && type != "application/problem+json")
                unexpected.Add($"{description}: {status} with {type ?? "no body"}, not a problem");
            else if (status >= 400 && fingerprint != before)
                unexpected.Add($"{description}: refused with {status} but a table changed");
            else if (mustRefuse && status < 400)
                unexpected.Add($"{description}: accepted with {status}");
            else if (expected is not null && status != expected)
                unexpected.Add($"{description}: expected {expected}, got {status}");
            else if (status == 400 && mustName is not null && !NamesField(await response.Content.ReadAsStringAsync(), mustName))
                unexpected.Add($"{description}: 400 without errors.{mustName}: {await response.Content.ReadAsStringAsync()}");
        }

        // A refused query value must be named as the client sent it, so a client can tell which one to fix.
        static bool NamesField(string body, string field) =>
            JsonNode.Parse(body)?["errors"] is JsonObject errors && errors.ContainsKey(field);

        static HttpContent Json(JsonNode node) => new StringContent(node.ToJsonString(), Encoding.UTF8, "application/json");

        // The body with one field's value replaced by raw JSON text (what JsonNode cannot hold, such as a lone surrogate).
        static HttpContent RawField(JsonObject body, string field, string json)
        {
            const string marker = "__raw_field_value__";
            body[field] = marker;
            return new StringContent(body.ToJsonString().Replace($"\"{marker}\"", json), Encoding.UTF8, "application/json");
        }

        // The test server does not enforce Kestrel's body limit, so the oversized bodies go to a real port.
        await using var kestrel = await KestrelApp.StartAsync(app.Database.Url);
        // A busy machine may take longer than the default second to answer "100 Continue"; the body must never go.
        using var overKestrel = new HttpClient(new SocketsHttpHandler { Expect100ContinueTimeout = TimeSpan.FromMinutes(1) }) { BaseAddress = kestrel.BaseAddress };
        overKestrel.DefaultRequestHeaders.Authorization = new("Bearer", app.Users["admin"].Token);

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

            foreach (var parameter in route.ParameterNames)
                foreach (var raw in HostileValues.RawPathValues)
                    await SendAsync($"{route.Key} path {parameter}={raw}", method,
                        route.Url(p => p == parameter ? "__raw__" : app.ValueFor(route, p)).Replace("__raw__", raw),
                        route.BodyType is null ? null : Json(SampleBodies.For(route, app)), mustRefuse: parameter != "slug");

            if (route.Method == "GET")
                foreach (var query in HostileValues.QueryStrings)
                    await SendAsync($"{route.Key} ?{query[..Math.Min(30, query.Length)]}", method, $"{url}?{query}", null, mustRefuse: false);

            var query0 = SampleBodies.QueryFor(route);
            foreach (var parameter in route.QueryNames)
                foreach (var (valueName, encoded, mustRefuse) in HostileValues.QueryValues)
                    await SendAsync($"{route.Key} ?{parameter}={valueName}", method,
                        $"{url}{(query0.Length == 0 ? "?" : query0 + "&")}{parameter}={encoded}",
                        route.BodyType is null ? null : Json(SampleBodies.For(route, app)), mustRefuse, mustName: parameter);

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
            foreach (var (field, fieldType) in route.BodyFields())
            {
                foreach (var (valueName, json) in HostileValues.MustRefuse(fieldType))
                    await SendAsync($"{route.Key} {field}={valueName}", method, url, RawField(SampleBodies.For(route, app), field, json), mustRefuse: true);
                var twice = SampleBodies.For(route, app);
                twice.Remove(field);
                var duplicate = twice.ToJsonString().TrimEnd('}');
                duplicate += $"{(twice.Count > 0 ? "," : "")}\"{field}\":null,\"{field}\":null}}";
                await SendAsync($"{route.Key} {field} twice", method, url, new StringContent(duplicate, Encoding.UTF8, "application/json"), mustRefuse: true);
            }

            // 10 MB of text in the first field (the body limit is 1 MB): 413, nothing written. A file route refuses any JSON
            // body by its type first (415); its own size limits have tests of their own (AttachmentStreamingTests).
            if (route.BodyFields().FirstOrDefault() is { Name: { } first })
            {
                await SendAsync($"{route.Key} {first}=10 MB", method, url, new HugeFieldContent(SampleBodies.For(route, app), first),
                    mustRefuse: true, via: overKestrel, expected: route.IsMultipart ? 415 : 413);
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

/// <summary>A body whose one field holds 10 MB of text, written from one shared buffer (not built per request).</summary>
internal sealed class HugeFieldContent : HttpContent
{
    private static readonly byte[] Filler = Enumerable.Repeat((byte)'x', 10 * 1024 * 1024).ToArray();
    private readonly byte[] _prefix;
    private readonly byte[] _suffix;

    public HugeFieldContent(JsonObject body, string field)
    {
        const string marker = "__huge__";
        body[field] = marker;
        var parts = body.ToJsonString().Split(marker);
        _prefix = Encoding.UTF8.GetBytes(parts[0]);
        _suffix = Encoding.UTF8.GetBytes(parts[1]);
        Headers.ContentType = new MediaTypeHeaderValue("application/json");
    }

    protected override async Task SerializeToStreamAsync(Stream stream, System.Net.TransportContext? context)
    {
        await stream.WriteAsync(_prefix);
        await stream.WriteAsync(Filler);
        await stream.WriteAsync(_suffix);
    }

    protected override bool TryComputeLength(out long length)
    {
        length = _prefix.Length + Filler.Length + _suffix.Length;
        return true;
    }
}
