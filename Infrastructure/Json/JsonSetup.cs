using System.Text.Json;
using System.Text.Json.Serialization;

namespace SupportDesk.Infrastructure.Json;

/// <summary>snake_case on the wire everywhere; strict reading so bad input fails loudly with the field named.</summary>
public static class JsonSetup
{
    public static string ToSnakeCase(string name) => JsonNamingPolicy.SnakeCaseLower.ConvertName(name);

    public static void Configure(JsonSerializerOptions options)
    {
        options.PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower;
        options.DictionaryKeyPolicy = JsonNamingPolicy.SnakeCaseLower;
        options.Converters.Add(new JsonStringEnumConverter(JsonNamingPolicy.SnakeCaseLower, allowIntegerValues: false));
        // NUL and lone surrogates in any string are a 400 naming the field, not a database error (22021).
        options.Converters.Add(new StorableStringConverter());
        options.UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow;
        options.RespectNullableAnnotations = true;
        options.NumberHandling = JsonNumberHandling.Strict;
        options.DefaultIgnoreCondition = JsonIgnoreCondition.Never;
        options.AllowTrailingCommas = false;
        options.ReadCommentHandling = JsonCommentHandling.Disallow;
        options.MaxDepth = 32;
        // {"role":"customer","role":"admin"}: two parsers could read different values; refuse rather than pick one.
        options.AllowDuplicateProperties = false;
    }
}
