using System.Linq.Expressions;
using System.Reflection;
using Microsoft.AspNetCore.Http.Metadata;
using SupportDesk.Infrastructure.Json;

namespace SupportDesk.Infrastructure.Validation;

/// <summary>
/// Text an endpoint binds from outside its body (route values, query string, headers): string and string[]
/// parameters, and those properties of an [AsParameters] type. Found once per endpoint when the filter is built,
/// with compiled getters, so a request costs a read and a scan per value, no reflection.
/// </summary>
internal sealed record BoundText(int Index, string Field, Func<object, object?>? Read)
{
    public static BoundText[] For(ParameterInfo[] parameters)
    {
        var texts = new List<BoundText>();
        for (var i = 0; i < parameters.Length; i++)
        {
            var parameter = parameters[i];
            if (IsText(parameter.ParameterType) && !IsFromBody(parameter))
                texts.Add(new BoundText(i, FieldName(parameter, parameter.Name!), null));
            else if (parameter.GetCustomAttribute<AsParametersAttribute>() is not null)
                texts.AddRange(Properties(i, parameter.ParameterType));
        }
        return texts.ToArray();
    }

    /// <summary>The fields whose bound text is unstorable, with the message; null when all are fine.</summary>
    public static Dictionary<string, string[]>? Check(BoundText[] texts, IList<object?> arguments)
    {
        Dictionary<string, string[]>? errors = null;
        foreach (var text in texts)
        {
            var argument = arguments[text.Index];
            var value = argument is null || text.Read is null ? argument : text.Read(argument);
            if (IsStorable(value))
                continue;
            errors ??= new Dictionary<string, string[]>();
            errors[text.Field] = [TextInput.NotStorableMessage(text.Field)];
        }
        return errors;
    }

    private static bool IsStorable(object? value) => value switch
    {
        string text => TextInput.IsStorable(text),
        string?[] texts => Array.TrueForAll(texts, t => t is null || TextInput.IsStorable(t)),
        _ => true,
    };

    /// <summary>[AsParameters] records bind through their constructor, so its parameters carry the [FromQuery] names.</summary>
    private static IEnumerable<BoundText> Properties(int index, Type type)
    {
        var constructorParameters = type.GetConstructors().SelectMany(c => c.GetParameters())
            .GroupBy(p => p.Name!, StringComparer.OrdinalIgnoreCase).ToDictionary(g => g.Key, g => g.First(), StringComparer.OrdinalIgnoreCase);
        foreach (var property in type.GetProperties(BindingFlags.Public | BindingFlags.Instance))
        {
            if (!IsText(property.PropertyType) || property.GetMethod is null)
                continue;
            ICustomAttributeProvider source = constructorParameters.TryGetValue(property.Name, out var parameter) ? parameter : property;
            if (IsFromBody(source))
                continue;
            yield return new BoundText(index, FieldName(source, property.Name), Getter(property));
        }
    }

    private static Func<object, object?> Getter(PropertyInfo property)
    {
        var instance = Expression.Parameter(typeof(object));
        var read = Expression.Property(Expression.Convert(instance, property.DeclaringType!), property);
        return Expression.Lambda<Func<object, object?>>(Expression.Convert(read, typeof(object)), instance).Compile();
    }

    private static bool IsText(Type type) => type == typeof(string) || type == typeof(string[]);

    private static bool IsFromBody(ICustomAttributeProvider member) =>
        member.GetCustomAttributes(true).Any(a => a is IFromBodyMetadata or IFromServiceMetadata);

    /// <summary>The name the client sends ([FromQuery(Name = "assignee_id")]), else the snake_case name validators use too.</summary>
    private static string FieldName(ICustomAttributeProvider member, string name)
    {
        foreach (var attribute in member.GetCustomAttributes(true))
        {
            var given = attribute switch
            {
                IFromQueryMetadata query => query.Name,
                IFromRouteMetadata route => route.Name,
                IFromHeaderMetadata header => header.Name,
                _ => null,
            };
            if (!string.IsNullOrEmpty(given))
                return given;
        }
        return JsonSetup.ToSnakeCase(name);
    }
}
