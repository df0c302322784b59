using System.Reflection;
using System.Text.Json.Serialization.Metadata;
using FluentValidation;
using FluentValidation.Validators;
using Microsoft.AspNetCore.OpenApi;
using Microsoft.OpenApi;

namespace SupportDesk.Infrastructure.OpenApi;

/// <summary>Request bodies: what a client must send, read from the one place that decides it (the validator).</summary>
internal static class OpenApiRequestSchemas
{
    /// <summary>
    /// A field with an unconditional NotNull/NotEmpty rule is refused when left out (400), so it is required, and the
    /// C# default that fills an absent field ("") is not a default the service applies.
    /// </summary>
    public static void MarkRequired(OpenApiSchema schema, OpenApiSchemaTransformerContext context)
    {
        var info = context.JsonTypeInfo;
        if (info.Kind != JsonTypeInfoKind.Object || schema.Properties is not { Count: > 0 } properties)
            return;
        if (context.ApplicationServices.GetService(typeof(IValidator<>).MakeGenericType(info.Type)) is not IValidator validator)
            return;
        // Rules are keyed by the JSON name once ValidationFilter has set the name resolver, else by the C# name.
        var descriptor = validator.CreateDescriptor();
        foreach (var property in info.Properties)
        {
            if (property.AttributeProvider is not PropertyInfo member || !properties.TryGetValue(property.Name, out var propertySchema))
                continue;
            var valueType = member.PropertyType.IsValueType && Nullable.GetUnderlyingType(member.PropertyType) is null;
            var rules = descriptor.GetValidatorsForMember(property.Name).Concat(descriptor.GetValidatorsForMember(member.Name));
            var mustSend = rules.Any(v =>
                !v.Options.HasCondition && !v.Options.HasAsyncCondition
                && (v.Validator is INotEmptyValidator || (v.Validator is INotNullValidator && !valueType)));
            if (!mustSend)
                continue;
            schema.Required ??= new HashSet<string>();
            schema.Required.Add(property.Name);
            if (propertySchema is OpenApiSchema concrete)
                concrete.Default = null;
        }
    }
}
