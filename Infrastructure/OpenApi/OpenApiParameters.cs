using System.Reflection;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Mvc.ApiExplorer;
using Microsoft.AspNetCore.Mvc.Infrastructure;
using Microsoft.AspNetCore.Mvc.ModelBinding;
using Microsoft.OpenApi;
using SupportDesk.Infrastructure.Json;

namespace SupportDesk.Infrastructure.OpenApi;

/// <summary>Query parameters as clients send them, and headers that handlers read themselves.</summary>
internal static class OpenApiParameters
{
    public static void Describe(OpenApiOperation operation, ApiDescription description)
    {
        foreach (var parameter in (operation.Parameters ?? []).OfType<OpenApiParameter>())
        {
            if (parameter.In != ParameterLocation.Query || parameter.Name is not { } name)
                continue;
            var attribute = description.ParameterDescriptions
                .FirstOrDefault(p => p.Source == BindingSource.Query && p.Name == name)?.ParameterDescriptor is IParameterInfoParameterDescriptor { ParameterInfo: var info }
                ? info.GetCustomAttribute<OpenApiEnumAttribute>()
                : null;
            // Query keys bind case-insensitively, so "limit" reaches Limit. Only a one-word name can be lowered
            // like that; a multi-word one needs [FromQuery(Name = "snake_case")] (OpenApiDocumentTests checks).
            if (JsonSetup.ToSnakeCase(name) == name.ToLowerInvariant())
                parameter.Name = name.ToLowerInvariant();
            if (attribute is null)
                continue;
            var values = attribute.Values.Select(v => (JsonNode)JsonValue.Create(v)).ToList();
            if (attribute.CommaList)
            {
                // status=open,pending: OpenAPI's form style without explode is exactly the comma list.
                parameter.Schema = new OpenApiSchema { Type = JsonSchemaType.Array, Items = new OpenApiSchema { Type = JsonSchemaType.String, Enum = values } };
                parameter.Style = ParameterStyle.Form;
                parameter.Explode = false;
            }
            else
            {
                parameter.Schema = new OpenApiSchema { Type = JsonSchemaType.String, Enum = values };
            }
        }
    }

    public static void AddIfMatch(OpenApiOperation operation)
    {
        operation.Parameters ??= [];
        operation.Parameters.Add(new OpenApiParameter
        {
            Name = "If-Match",
            In = ParameterLocation.Header,
            Description = "The ETag from the last read (\"7\"); a stale one is refused with 412. Absent: the change applies.",
            Schema = new OpenApiSchema { Type = JsonSchemaType.String },
        });
    }

    public static void AddIdempotencyKey(OpenApiOperation operation)
    {
        operation.Parameters ??= [];
        operation.Parameters.Add(new OpenApiParameter
        {
            Name = Idempotency.IdempotencyKeys.Header,
            In = ParameterLocation.Header,
            Description = "A key of your own (1–255 visible ASCII characters; otherwise 400) to make a retry safe: a repeat with the same key and request "
                + "replays the first success (Idempotent-Replayed: true) instead of writing twice; the same key with a different request is 422; "
                + "one still in flight is 409 with Retry-After. Kept 24 hours, per user.",
            Schema = new OpenApiSchema { Type = JsonSchemaType.String, MaxLength = Idempotency.IdempotencyKeys.MaxKeyLength },
        });
    }
}
