using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using SupportDesk.Infrastructure.Errors;
using SupportDesk.Infrastructure.Json;

namespace SupportDesk.Features.Tickets;

/// <summary>
/// Custom field values: checked against their definitions on the way in, and shown to each caller as their role
/// allows on the way out (customers: customer_visible fields; nobody: deleted fields, whose values stay stored).
/// A value is stored in its JSON form: text, number, date ("yyyy-MM-dd"), checkbox (true/false), dropdown (the
/// option's value), multi_select (an array of option values, in the options' order). null clears a value.
/// </summary>
public static class CustomFieldValues
{
    public const int MaxText = 1000;
    public const string Prefix = "custom_fields.";

    public static readonly IReadOnlyDictionary<string, JsonElement> None = new Dictionary<string, JsonElement>();

    public static JsonObject Parse(string stored) => JsonNode.Parse(stored) as JsonObject ?? [];

    /// <summary>
    /// Applies the requested values (null clears) onto the stored ones and returns the result with one history entry
    /// per changed key. Unknown or deleted keys, and keys a customer may not see, are 400 naming custom_fields.&lt;key&gt;;
    /// a visible field a customer may not edit is 403.
    /// </summary>
    public static (JsonObject Values, List<HistoryEntry> History) Apply(
        string stored, IReadOnlyDictionary<string, JsonElement>? changes, IReadOnlyList<TicketFieldResponse> fields, bool isStaff)
    {
        var values = Parse(stored);
        var history = new List<HistoryEntry>();
        if (changes is null)
            return (values, history);
        var byKey = fields.ToDictionary(f => f.Key, StringComparer.Ordinal);
        foreach (var (key, raw) in changes.OrderBy(c => c.Key, StringComparer.Ordinal))
        {
            if (!byKey.TryGetValue(key, out var field) || !field.VisibleTo(isStaff))
                throw new FieldValidationException(Prefix + key, $"There is no ticket field '{Shorten(key)}'.");
            var next = Normalize(field, raw);
            var current = values[key];
            if (JsonNode.DeepEquals(current, next))
                continue;
            if (!field.EditableBy(isStaff))
                throw new ForbiddenException($"Customers cannot change {Prefix}{key}.");
            history.Add(new HistoryEntry("updated", Prefix + key, AsText(current), AsText(next), IsPrivate: !field.CustomerVisible));
            if (next is null)
                values.Remove(key);
            else
                values[key] = next;
        }
        return (values, history);
    }

    /// <summary>The required fields (by the given rule) the caller could have set but did not; staff answer for every field.</summary>
    public static void EnsureRequired(JsonObject values, IReadOnlyList<TicketFieldResponse> fields, bool isStaff,
        Func<TicketFieldResponse, bool> isRequired, Func<string, string, AppException> error)
    {
        foreach (var field in fields)
        {
            if (!isRequired(field) || !field.EditableBy(isStaff))
                continue;
            var value = values[field.Key];
            if (value is null || (field.Type == "checkbox" && value.GetValueKind() == JsonValueKind.False))
                throw error(Prefix + field.Key, field.Type == "checkbox" ? $"'{field.Label}' must be checked." : $"'{field.Label}' is required.");
        }
    }

    /// <summary>The values this caller may see: live fields only, and for customers the customer_visible ones.</summary>
    public static IReadOnlyDictionary<string, JsonElement> View(string stored, IReadOnlyList<TicketFieldResponse> fields, bool isStaff)
    {
        if (stored == "{}")
            return None;
        using var document = JsonDocument.Parse(stored);
        var byKey = fields.ToDictionary(f => f.Key, StringComparer.Ordinal);
        var view = new Dictionary<string, JsonElement>(StringComparer.Ordinal);
        foreach (var property in document.RootElement.EnumerateObject())
        {
            if (byKey.TryGetValue(property.Name, out var field) && field.VisibleTo(isStaff))
                view[property.Name] = property.Value.Clone();
        }
        return view;
    }

    /// <summary>What a value reads as in an email: text as written, option labels, checkboxes as yes/no.</summary>
    public static IReadOnlyDictionary<string, string> ForReading(IReadOnlyDictionary<string, JsonElement> view, IReadOnlyList<TicketFieldResponse> fields)
    {
        var byKey = fields.ToDictionary(f => f.Key, StringComparer.Ordinal);
        return view.Where(v => byKey.ContainsKey(v.Key)).ToDictionary(v => v.Key, v =>
        {
            var field = byKey[v.Key];
            return v.Value.ValueKind switch
            {
                JsonValueKind.String when field.IsChoice => field.LabelOf(v.Value.GetString()!) ?? v.Value.GetString()!,
                JsonValueKind.String => v.Value.GetString()!,
                JsonValueKind.Array => string.Join(", ", v.Value.EnumerateArray().Select(o => field.LabelOf(o.GetString() ?? "") ?? o.GetString())),
                JsonValueKind.True => "yes",
                JsonValueKind.False => "no",
                _ => v.Value.GetRawText(),
            };
        }, StringComparer.Ordinal);
    }

    /// <summary>A requested value in its stored form; null clears.</summary>
    internal static JsonNode? Normalize(TicketFieldResponse field, JsonElement raw)
    {
        var name = Prefix + field.Key;
        if (raw.ValueKind == JsonValueKind.Null)
            return null;
        switch (field.Type)
        {
            case "text":
                var text = Text(raw, name, "text");
                if (text.Length > MaxText)
                    throw new FieldValidationException(name, $"'{name}' must be at most {MaxText} characters.");
                return text.Length == 0 ? null : JsonValue.Create(text);
            case "number":
                if (raw.ValueKind != JsonValueKind.Number || !raw.TryGetDecimal(out var number))
                    throw new FieldValidationException(name, $"'{name}' must be a number (at most 28 significant digits).");
                return JsonValue.Create(number);
            case "date":
                var date = Text(raw, name, "date (yyyy-MM-dd)");
                if (!DateOnly.TryParseExact(date, "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out _))
                    throw new FieldValidationException(name, $"'{name}' must be a date written yyyy-MM-dd.");
                return JsonValue.Create(date);
            case "checkbox":
                if (raw.ValueKind is not (JsonValueKind.True or JsonValueKind.False))
                    throw new FieldValidationException(name, $"'{name}' must be true or false.");
                return JsonValue.Create(raw.GetBoolean());
            case "dropdown":
                var choice = Text(raw, name, "option value");
                if (field.Options.All(o => o.Value != choice))
                    throw new FieldValidationException(name, $"'{name}' must be one of: {string.Join(", ", field.Options.Select(o => o.Value))}.");
                return JsonValue.Create(choice);
            case "multi_select":
                if (raw.ValueKind != JsonValueKind.Array)
                    throw new FieldValidationException(name, $"'{name}' must be an array of option values.");
                var chosen = raw.EnumerateArray().Select(v => Text(v, name, "option value")).ToHashSet(StringComparer.Ordinal);
                if (chosen.FirstOrDefault(c => field.Options.All(o => o.Value != c)) is { } unknown)
                    throw new FieldValidationException(name, $"'{Shorten(unknown)}' is not an option of '{name}'.");
                // Stored in the options' order, so the same choice is always the same JSON (and the same history).
                var ordered = field.Options.Where(o => chosen.Contains(o.Value)).Select(o => (JsonNode?)JsonValue.Create(o.Value)).ToArray();
                return ordered.Length == 0 ? null : new JsonArray(ordered);
            default:
                throw new InvalidOperationException($"Unknown field type '{field.Type}'.");
        }
    }

    private static string Text(JsonElement raw, string name, string what)
    {
        if (raw.ValueKind != JsonValueKind.String)
            throw new FieldValidationException(name, $"'{name}' must be a {what} string.");
        string text;
        try
        {
            text = raw.GetString()!;
        }
        catch (InvalidOperationException)
        {
            throw new FieldValidationException(name, TextInput.NotStorableMessage(name));
        }
        return TextInput.IsStorable(text) ? text : throw new FieldValidationException(name, TextInput.NotStorableMessage(name));
    }

    /// <summary>History holds text: strings as they are, every other value as JSON.</summary>
    private static string? AsText(JsonNode? value) => value switch
    {
        null => null,
        JsonValue v when v.GetValueKind() == JsonValueKind.String => v.GetValue<string>(),
        _ => value.ToJsonString(),
    };

    private static string Shorten(string text) => text.Length > 64 ? text[..64] + "…" : text;
}
