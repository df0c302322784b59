using System.Text.Json;
using System.Text.Json.Serialization;

namespace SupportDesk.Infrastructure.Json;

/// <summary>
/// Reads every JSON string the service receives (values and dictionary keys, in every body type) and refuses
/// what <see cref="TextInput.IsStorable"/> refuses, while the body is read: before validation, the handler or
/// any password hashing. The serializer adds the JSON path, which the exception handler reports as the field.
/// </summary>
public sealed class StorableStringConverter : JsonConverter<string>
{
    public override string Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) => ReadStorable(ref reader);

    public override string ReadAsPropertyName(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) => ReadStorable(ref reader);

    public override void Write(Utf8JsonWriter writer, string value, JsonSerializerOptions options) => writer.WriteStringValue(value);

    private static string ReadStorable(ref Utf8JsonReader reader)
    {
        // A number or an object where text belongs: the reader's own error, reported as a wrong type.
        if (reader.TokenType is not (JsonTokenType.String or JsonTokenType.PropertyName))
            return reader.GetString()!;
        // Unescaped JSON text cannot hold NUL (raw control characters are invalid JSON) or a lone surrogate
        // (the UTF-8 is checked while transcoding), so only escaped text needs the scan.
        var escaped = reader.ValueIsEscaped;
        string text;
        try
        {
            text = reader.GetString()!;
        }
        catch (InvalidOperationException)
        {
            // "\ud800" without its pair, or bytes that are not UTF-8: refused rather than replaced by U+FFFD.
            throw new TextInputException();
        }
        if (escaped && !TextInput.IsStorable(text))
            throw new TextInputException();
        return text;
    }
}

/// <summary>A JSON string the database cannot store as sent; its Path names the field.</summary>
public sealed class TextInputException() : JsonException("The text is not valid Unicode or contains NUL characters.");
