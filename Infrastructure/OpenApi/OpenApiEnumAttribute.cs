using SupportDesk.Infrastructure.Json;

namespace SupportDesk.Infrastructure.OpenApi;

/// <summary>
/// Documents a string property or query parameter as an enumeration. The C# type stays string where the value is
/// read and written as stored text (Dapper, query strings); the document still tells clients the closed set.
/// </summary>
[AttributeUsage(AttributeTargets.Property | AttributeTargets.Parameter)]
public sealed class OpenApiEnumAttribute : Attribute
{
    /// <summary>The enum's members as they travel: snake_case ("in_progress"), the same rule as JsonSetup's enum converter.</summary>
    public OpenApiEnumAttribute(Type enumType) =>
        Values = Enum.GetNames(enumType).Select(JsonSetup.ToSnakeCase).ToArray();

    public OpenApiEnumAttribute(params string[] values) => Values = values;

    public string[] Values { get; }

    /// <summary>A query parameter that takes one value or a comma-separated list (status=open,pending).</summary>
    public bool CommaList { get; set; }
}
