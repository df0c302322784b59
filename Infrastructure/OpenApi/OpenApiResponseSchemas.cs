using System.Text.Json;
using Microsoft.OpenApi;

namespace SupportDesk.Infrastructure.OpenApi;

/// <summary>Document-wide facts about response bodies that the per-type schemas cannot know.</summary>
internal static class OpenApiResponseSchemas
{
    /// <summary>
    /// JsonSetup writes every property (DefaultIgnoreCondition.Never; null as null), so every property of a response
    /// body is always present: required. Schemas also used in requests are left alone, since there "required" would
    /// mean "the client must send it".
    /// </summary>
    public static void MarkAlwaysPresent(OpenApiDocument document, string skip)
    {
        var components = document.Components?.Schemas ?? new Dictionary<string, IOpenApiSchema>();
        var responses = new HashSet<OpenApiSchema>(ReferenceEqualityComparer.Instance);
        var requests = new HashSet<OpenApiSchema>(ReferenceEqualityComparer.Instance);
        foreach (var operation in Each(document.Paths?.Values).SelectMany(p => Each(p.Operations?.Values)))
        {
            foreach (var media in Each(operation.Responses?.Values).SelectMany(r => Each(r.Content?.Values)))
                Collect(media.Schema, components, responses);
            foreach (var media in Each(operation.RequestBody?.Content?.Values))
                Collect(media.Schema, components, requests);
            foreach (var parameter in Each(operation.Parameters))
                Collect(parameter.Schema, components, requests);
        }
        components.TryGetValue(skip, out var skipped);
        foreach (var schema in responses)
        {
            if (requests.Contains(schema) || ReferenceEquals(schema, skipped) || schema.Properties is not { Count: > 0 } properties)
                continue;
            schema.Required ??= new HashSet<string>();
            foreach (var name in properties.Keys)
                schema.Required.Add(name);
        }
    }

    /// <summary>
    /// A nullable use of an enum (TicketPriority? in a request) puts null into the shared component, which would make
    /// every response's priority nullable too. Nullable uses wrap the reference in oneOf [null, ref] anyway.
    /// </summary>
    public static void RemoveNullFromEnumComponents(OpenApiDocument document)
    {
        foreach (var schema in Each(document.Components?.Schemas?.Values).OfType<OpenApiSchema>())
        {
            if (schema.Enum is not { Count: > 0 } values)
                continue;
            schema.Enum = values.Where(v => v is not null && v.GetValueKind() != JsonValueKind.Null).ToList();
            schema.Type = JsonSchemaType.String;
        }
    }

    private static void Collect(IOpenApiSchema? schema, IDictionary<string, IOpenApiSchema> components, HashSet<OpenApiSchema> seen)
    {
        if (schema is OpenApiSchemaReference reference)
            schema = reference.Reference.Id is { } id && components.TryGetValue(id, out var target) ? target : null;
        if (schema is not OpenApiSchema concrete || !seen.Add(concrete))
            return;
        foreach (var child in Each(concrete.Properties?.Values).Concat(Each(concrete.OneOf)).Concat(Each(concrete.AnyOf)).Concat(Each(concrete.AllOf)))
            Collect(child, components, seen);
        Collect(concrete.Items, components, seen);
        Collect(concrete.AdditionalProperties, components, seen);
    }

    private static IEnumerable<T> Each<T>(IEnumerable<T>? items) => items ?? [];
}
