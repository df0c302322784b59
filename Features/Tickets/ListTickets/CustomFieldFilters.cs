using System.Globalization;
using System.Text.Json.Nodes;
using SupportDesk.Infrastructure.Errors;
using SupportDesk.Infrastructure.Json;

namespace SupportDesk.Features.Tickets.ListTickets;

/// <summary>
/// GET /tickets?field.&lt;key&gt;=&lt;value&gt;: each filter is parsed by its field's type and all of them become one
/// containment value, custom_fields @> '{"key": value, …}', which the GIN index answers.
/// </summary>
public static class CustomFieldFilters
{
    public const string Prefix = "field.";
    public const int MaxFilters = 10;

    /// <summary>The field.* parameters of a query string, by field key (null when there are none).</summary>
    public static IReadOnlyDictionary<string, string>? FromQuery(IQueryCollection query)
    {
        Dictionary<string, string>? filters = null;
        foreach (var (name, values) in query)
        {
            if (!name.StartsWith(Prefix, StringComparison.Ordinal))
                continue;
            if (values.Count != 1)
                throw new FieldValidationException(Shorten(name), $"'{Shorten(name)}' takes one value.");
            if (!TextInput.IsStorable(values[0]))
                throw new FieldValidationException(Shorten(name), TextInput.NotStorableMessage(Shorten(name)));
            filters ??= new(StringComparer.Ordinal);
            filters[name[Prefix.Length..]] = values[0]!;
        }
        if (filters is { Count: > MaxFilters })
            throw new FieldValidationException("field", $"At most {MaxFilters} field.<key> filters at once.");
        return filters;
    }

    public static string Containment(IReadOnlyDictionary<string, string> filters, IReadOnlyList<TicketFieldResponse> fields, bool isStaff)
    {
        var byKey = fields.ToDictionary(f => f.Key, StringComparer.Ordinal);
        var contain = new JsonObject();
        foreach (var (key, raw) in filters.OrderBy(f => f.Key, StringComparer.Ordinal))
        {
            var name = Prefix + key;
            // A field the caller may not see is answered like one that does not exist.
            if (!byKey.TryGetValue(key, out var field) || !field.VisibleTo(isStaff))
                throw new FieldValidationException(Shorten(name), $"There is no ticket field '{Shorten(key)}'.");
            contain[key] = field.Type switch
            {
                "number" => decimal.TryParse(raw, NumberStyles.Number, CultureInfo.InvariantCulture, out var number)
                    ? JsonValue.Create(number) : throw new FieldValidationException(name, $"'{name}' must be a number."),
                "date" => DateOnly.TryParseExact(raw, "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out _)
                    ? JsonValue.Create(raw) : throw new FieldValidationException(name, $"'{name}' must be a date written yyyy-MM-dd."),
                "checkbox" => raw switch
                {
                    "true" => JsonValue.Create(true),
                    "false" => JsonValue.Create(false),
                    _ => throw new FieldValidationException(name, $"'{name}' must be true or false."),
                },
                "multi_select" => new JsonArray(JsonValue.Create(raw)),
                _ => raw.Length is > 0 and <= CustomFieldValues.MaxText
                    ? JsonValue.Create(raw) : throw new FieldValidationException(name, $"'{name}' must be 1 to {CustomFieldValues.MaxText} characters."),
            };
        }
        return contain.ToJsonString();
    }

    private static string Shorten(string text) => text.Length > 80 ? text[..80] : text;
}
