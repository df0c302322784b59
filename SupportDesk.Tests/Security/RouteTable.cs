using System.Reflection;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Metadata;
using Microsoft.AspNetCore.Routing;
using Microsoft.AspNetCore.Routing.Patterns;
using Microsoft.Extensions.DependencyInjection;
using SupportDesk.Infrastructure.Json;

namespace SupportDesk.Tests.Security;

/// <summary>One mapped API route, read from the running app's endpoint table (not a hand-written list).</summary>
public sealed record ApiRoute(string Method, string Pattern, RoutePattern Parsed, Type? BodyType, bool BodyOptional, IReadOnlyList<string> BodyContentTypes)
{
    /// <summary>A route that takes files (multipart/form-data) instead of JSON.</summary>
    public bool IsMultipart => BodyContentTypes.Contains("multipart/form-data");

    public string Key => $"{Method} {Pattern}";
    public IEnumerable<string> ParameterNames => Parsed.Parameters.Select(p => p.Name);

    /// <summary>The query string parameters the handler binds (its [AsParameters] record's too), by the name clients send.</summary>
    public IReadOnlyList<string> QueryNames { get; init; } = [];

    /// <summary>The URL with each route parameter replaced by the value the resolver gives for it.</summary>
    public string Url(Func<string, string> valueFor)
    {
        var segments = Parsed.PathSegments.Select(segment => string.Concat(segment.Parts.Select(part => part switch
        {
            RoutePatternLiteralPart literal => literal.Content,
            RoutePatternParameterPart parameter => Uri.EscapeDataString(valueFor(parameter.Name)),
            RoutePatternSeparatorPart separator => separator.Content,
            _ => "",
        })));
        return "/" + string.Join('/', segments);
    }

    /// <summary>The JSON field names of the body type (snake_case, Optional&lt;T&gt; unwrapped) with their CLR types.</summary>
    public IReadOnlyList<(string Name, Type Type)> BodyFields() => BodyType is null
        ? []
        : BodyType.GetProperties(BindingFlags.Public | BindingFlags.Instance)
            .Where(p => p.CanWrite || BodyType.GetConstructors().Any(c => c.GetParameters().Any(a => a.Name == p.Name)))
            .Where(p => p.GetCustomAttribute<System.Text.Json.Serialization.JsonIgnoreAttribute>() is null)
            .Select(p => (JsonSetup.ToSnakeCase(p.Name), Unwrap(p.PropertyType)))
            .ToList();

    private static Type Unwrap(Type type)
    {
        if (type.IsGenericType && type.GetGenericTypeDefinition() == typeof(Optional<>))
            type = type.GetGenericArguments()[0];
        return Nullable.GetUnderlyingType(type) ?? type;
    }

    public static IReadOnlyList<ApiRoute> From(IServiceProvider services) =>
        services.GetRequiredService<EndpointDataSource>().Endpoints.OfType<RouteEndpoint>()
            .Where(e => e.Metadata.GetMetadata<IExcludeFromDescriptionMetadata>()?.ExcludeFromDescription != true)
            .SelectMany(e => (e.Metadata.GetMetadata<HttpMethodMetadata>()?.HttpMethods ?? []).Select(method => new ApiRoute(
                method,
                "/" + e.RoutePattern.RawText!.Trim('/'),
                e.RoutePattern,
                e.Metadata.GetMetadata<IAcceptsMetadata>()?.RequestType,
                e.Metadata.GetMetadata<IAcceptsMetadata>()?.IsOptional == true,
                e.Metadata.GetMetadata<IAcceptsMetadata>()?.ContentTypes ?? [])
            { QueryNames = QueryParameters(e) }))
            .OrderBy(r => r.Pattern).ThenBy(r => r.Method)
            .ToList();

    private static List<string> QueryParameters(RouteEndpoint endpoint)
    {
        if (endpoint.Metadata.GetMetadata<MethodInfo>() is not { } handler)
            return [];
        var routeNames = endpoint.RoutePattern.Parameters.Select(p => p.Name).ToHashSet(StringComparer.OrdinalIgnoreCase);
        var bound = handler.GetParameters().SelectMany(p => p.GetCustomAttribute<AsParametersAttribute>() is null
            ? [p]
            : p.ParameterType.GetConstructors().OrderByDescending(c => c.GetParameters().Length).First().GetParameters());
        return bound
            .Where(p => IsSimple(p.ParameterType) && !routeNames.Contains(p.Name!))
            .Where(p => !p.GetCustomAttributes(true).Any(a => a is IFromBodyMetadata or IFromServiceMetadata or IFromHeaderMetadata))
            // Unnamed parameters bind by their own name, case-insensitively.
            .Select(p => p.GetCustomAttributes(true).OfType<IFromQueryMetadata>().FirstOrDefault()?.Name ?? p.Name!.ToLowerInvariant())
            .ToList();
    }

    private static bool IsSimple(Type type)
    {
        type = Nullable.GetUnderlyingType(type) ?? type;
        return type.IsPrimitive || type.IsEnum || type == typeof(string) || type == typeof(string[]) || type == typeof(Guid)
            || type == typeof(DateTime) || type == typeof(DateTimeOffset) || type == typeof(decimal);
    }
}

/// <summary>Hostile values for one JSON field, whatever its type.</summary>
public static class HostileValues
{
    public static IEnumerable<(string Name, JsonNode? Value)> For(Type fieldType)
    {
        yield return ("null", null);
        yield return ("number", JsonValue.Create(12345));
        yield return ("negative", JsonValue.Create(-1));
        yield return ("huge number", JsonValue.Create(1e300));
        yield return ("boolean", JsonValue.Create(true));
        yield return ("object", new JsonObject { ["nested"] = "x" });
        yield return ("array", new JsonArray("a", 1, null));
        yield return ("empty string", JsonValue.Create(""));
        yield return ("10k string", JsonValue.Create(new string('x', 10_000)));
        yield return ("sql injection", JsonValue.Create("' OR 1=1; DROP TABLE tickets; --"));
        yield return ("script", JsonValue.Create("<script>alert(1)</script>{{ 7*7 }}"));
        yield return ("nil uuid", JsonValue.Create("00000000-0000-0000-0000-000000000000"));
        yield return ("bad uuid", JsonValue.Create("not-a-uuid"));
        yield return ("unknown enum", JsonValue.Create("definitely_not_a_value"));
        if (fieldType == typeof(string[]))
            yield return ("array of numbers", new JsonArray(1, 2, 3));
        // What databases and mail systems choke on: refused in single-line fields, stored faithfully elsewhere.
        yield return ("crlf", JsonValue.Create("a\r\nBcc: victim@example.test"));
        yield return ("controls", JsonValue.Create("\u001b[31m\t\u0085\u2028x"));
        yield return ("non-characters", JsonValue.Create("a\uFFFE\uFFFF\uFDD0\U0010FFFF"));
        yield return ("bidi override", JsonValue.Create("invoice\u202Etxt.exe"));
        yield return ("mixed normalisation", JsonValue.Create("e\u0301 \u00e9"));
        yield return ("beyond int64", JsonNode.Parse("99999999999999999999"));
        yield return ("1e400", JsonNode.Parse("1e400"));
    }

    /// <summary>
    /// Field values only raw JSON can carry (a lone surrogate has no UTF-16 JSON writer), or that are refused
    /// whatever the field's type: NUL, lone surrogates, nesting past the depth limit.
    /// </summary>
    public static IEnumerable<(string Name, string Json)> MustRefuse(Type fieldType)
    {
        yield return ("nul", "\"a\\u0000b\"");
        yield return ("lone high surrogate", "\"a\\ud800b\"");
        yield return ("lone low surrogate", "\"\\udc00\"");
        yield return ("reversed surrogates", "\"\\udfff\\ud800\"");
        yield return ("deep array", new string('[', 10_000) + new string(']', 10_000));
        yield return ("deep object", string.Concat(Enumerable.Repeat("{\"a\":", 10_000)) + "1" + new string('}', 10_000));
        if (fieldType == typeof(string[]))
            yield return ("array with nul", "[\"ok\",\"a\\u0000\"]");
    }

    /// <summary>Query string values (already percent-encoded) for every parameter a route binds; only NUL must be refused.</summary>
    public static readonly (string Name, string Encoded, bool MustRefuse)[] QueryValues =
    [
        ("nul", "a%00b", true),
        ("utf-8 surrogate", "a%ED%A0%80b", false),
        ("overlong utf-8", "%C0%AF%E0%80%AF", false),
        ("crlf", "a%0D%0Ab", false),
        ("bidi override", "a%E2%80%AEb", false),
        ("non-character", "%EF%BF%BE%EF%BF%BF", false),
        ("mixed normalisation", "e%CC%81%C3%A9", false),
        ("beyond int64", "99999999999999999999", false),
        ("1e400", "1e400", false),
        ("a word where a number, date, flag or id may be expected", "sometimes", false),
        ("empty", "", false),
    ];

    /// <summary>Bodies that are not the right shape at all.</summary>
    public static IEnumerable<(string Name, byte[] Body)> MalformedBodies()
    {
        static byte[] Utf8(string s) => System.Text.Encoding.UTF8.GetBytes(s);
        yield return ("truncated", Utf8("{\"title\": "));
        yield return ("not json", Utf8("this is not json"));
        yield return ("array root", Utf8("[1,2,3]"));
        yield return ("string root", Utf8("\"hello\""));
        yield return ("number root", Utf8("42"));
        yield return ("null root", Utf8("null"));
        yield return ("empty", []);
        yield return ("deep nesting", Utf8(new string('[', 200) + new string(']', 200)));
        yield return ("10,000 nested arrays", Utf8(new string('[', 10_000) + new string(']', 10_000)));
        yield return ("10,000 nested objects", Utf8(string.Concat(Enumerable.Repeat("{\"a\":", 10_000)) + "1" + new string('}', 10_000)));
        yield return ("overlong utf-8", [(byte)'{', (byte)'"', (byte)'a', (byte)'"', (byte)':', (byte)'"', 0xC0, 0xAF, 0xE0, 0x80, 0xAF, (byte)'"', (byte)'}']);
        yield return ("utf-8 surrogate", [(byte)'{', (byte)'"', (byte)'a', (byte)'"', (byte)':', (byte)'"', 0xED, 0xA0, 0x80, (byte)'"', (byte)'}']);
        yield return ("nul byte", [(byte)'{', (byte)'"', (byte)'a', (byte)'"', (byte)':', (byte)'"', 0x00, (byte)'"', (byte)'}']);
        yield return ("invalid utf-8", [(byte)'{', (byte)'"', (byte)'a', (byte)'"', (byte)':', (byte)'"', 0xC3, 0x28, 0xFF, (byte)'"', (byte)'}']);
        yield return ("number overflow", Utf8("{\"limit\": 1e400}"));
        yield return ("duplicate keys", Utf8("{\"title\":\"a\",\"title\":\"b\"}"));
    }

    public static readonly string[] PathValues =
    [
        "not-a-uuid", "00000000-0000-0000-0000-000000000000", new('a', 300), "' OR 1=1--", "-1", "99999999999999999999", "%00", "..%2F..%2Fetc%2Fpasswd",
        // A NUL in the path never reaches the app: Kestrel and the test server refuse the request line itself.
        "a\r\nb", "invoice\u202Etxt", "\uFFFE\uFFFF", "e\u0301\u00e9", "1e400",
    ];

    /// <summary>Path values sent as these exact bytes (not escaped again): UTF-8 that is not, or not quite, valid.</summary>
    public static readonly string[] RawPathValues = ["a%ED%A0%80b", "%C0%AF", "%FF%FE"];

    public static readonly string[] QueryStrings =
    [
        "limit=-1", "limit=0", "limit=100000000000", "limit=abc", "offset=-5", "offset=99999999999", "limit=1&offset=1e9",
        "status=' OR 1=1--", "q=%00", "query=" + new string('q', 5000), "sort=;DROP TABLE users", "created_after=not-a-date",
    ];
}
