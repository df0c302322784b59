using System.Text.Json;
using SupportDesk.Infrastructure.Json;

namespace SupportDesk.Infrastructure.Sla;

/// <summary>The jsonb parts of schedules and policies, in the wire's own (snake_case, strict) form.</summary>
public static class SlaJson
{
    private static readonly JsonSerializerOptions Options = Create();

    private static JsonSerializerOptions Create()
    {
        var options = new JsonSerializerOptions();
        JsonSetup.Configure(options);
        return options;
    }

    public static T? Read<T>(string json) => JsonSerializer.Deserialize<T>(json, Options);

    public static string Write<T>(T value) => JsonSerializer.Serialize(value, Options);
}
