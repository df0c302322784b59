using System.Globalization;
using System.Text.Json.Nodes;
using SupportDesk.Infrastructure.Errors;
using SupportDesk.Infrastructure.Json;

namespace SupportDesk.Features.Tickets.ListTickets;

/// <summary>
/// GET /tickets?field.&lt;key&gt;=&lt;value&gt;: each filter is parsed by its field's type and all of them become one
/// containment value, custom_fields @> '{"key": value, …}', which the GIN index answers. Saved views hold the same
/// parameters and are read by the same rules (<see cref="Check"/>, <see cref="Resolve"/>).
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
            if (Check(name, values[0]!) is { } problem)
                throw new FieldValidationException(Shorten(name), problem);
            filters ??= new(StringComparer.Ordinal);
            filters[name[Prefix.Length..]] = values[0]!;
        }
        if (filters is { Count: > MaxFilters })
            throw new FieldValidationException("field", TooMany);
        return filters;
    }

    public static readonly string TooMany = $"At most {MaxFilters} field.<key> filters at once.";

    /// <summary>What is wrong with one field.&lt;key&gt; parameter before the catalog is read (null: nothing).</summary>
    public static string? Check(string name, string value) =>
        TextInput.IsStorable(value) && TextInput.IsStorable(name) ? null : TextInput.NotStorableMessage(Shorten(name));

    /// <summary>The containment value, throwing the first problem as a 400 naming its parameter (the list route).</summary>
    public static string Containment(IReadOnlyDictionary<string, string> filters, IReadOnlyList<TicketFieldResponse> fields, bool isStaff)
    {
        var (contain, errors) = Resolve(filters, fields, isStaff);
        if (contain is null)
            throw new FieldValidationException(errors.Keys.First(), errors.Values.First());
        return contain;
    }

    /// <summary>
    /// The containment value, or the problems by parameter name (field.&lt;key&gt;): a field that does not exist (or no
    /// longer does), or a value its type cannot hold.
    /// </summary>
    public static (string? Contain, Dictionary<string, string> Errors) Resolve(
        IReadOnlyDictionary<string, string> filters, IReadOnlyList<TicketFieldResponse> fields, bool isStaff)
    {
        var byKey = fields.ToDictionary(f => f.Key, StringComparer.Ordinal);
        var contain = new JsonObject();
        var errors = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var (key, raw) in filters.OrderBy(f => f.Key, StringComparer.Ordinal))
        {
            var name = Prefix + key;
            // A field the caller may not see is answered like one that does not exist.
            if (!byKey.TryGetValue(key, out var field) || !field.VisibleTo(isStaff))
            {
                errors[Shorten(name)] = $"There is no ticket field '{Shorten(key)}'.";
                continue;
            }
            JsonNode? value = field.Type switch
            {
                "number" => decimal.TryParse(raw, NumberStyles.Number, CultureInfo.InvariantCulture, out var number) ? JsonValue.Create(number) : null,
                "date" => DateOnly.TryParseExact(raw, "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out _) ? JsonValue.Create(raw) : null,
                "checkbox" => raw switch
                {
                    "true" => JsonValue.Create(true),
                    "false" => JsonValue.Create(false),
                    _ => null,
                },
                "multi_select" => new JsonArray(JsonValue.Create(raw)),
                _ => raw.Length is > 0 and <= CustomFieldValues.MaxText ? JsonValue.Create(raw) : null,
            };
            if (value is null)
            {
                errors[name] = field.Type switch
                {
                    "number" => $"'{name}' must be a number.",
                    "date" => $"'{name}' must be a date written yyyy-MM-dd.",
                    "checkbox" => $"'{name}' must be true or false.",
                    _ => $"'{name}' must be 1 to {CustomFieldValues.MaxText} characters.",
                };
                continue;
            }
            contain[key] = value;
        }
        return errors.Count == 0 ? (contain.ToJsonString(), errors) : (null, errors);
    }

    private static string Shorten(string text) => text.Length > 80 ? text[..80] : text;
}
