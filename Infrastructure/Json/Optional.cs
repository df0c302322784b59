using System.Text.Json;
using System.Text.Json.Serialization;

namespace SupportDesk.Infrastructure.Json;

/// <summary>
/// A field of a partial update: absent (leave as is) or set, possibly to null (clear). Plain nullable
/// properties cannot tell "not sent" from "sent as null".
/// </summary>
[JsonConverter(typeof(OptionalConverterFactory))]
public readonly record struct Optional<T>(bool IsSet, T Value)
{
    public static Optional<T> Absent => default;

    public T GetValueOr(T fallback) => IsSet ? Value : fallback;
}

public sealed class OptionalConverterFactory : JsonConverterFactory
{
    public override bool CanConvert(Type typeToConvert) =>
        typeToConvert.IsGenericType && typeToConvert.GetGenericTypeDefinition() == typeof(Optional<>);

    public override JsonConverter CreateConverter(Type typeToConvert, JsonSerializerOptions options) =>
        (JsonConverter)Activator.CreateInstance(typeof(OptionalConverter<>).MakeGenericType(typeToConvert.GetGenericArguments()[0]))!;

    private sealed class OptionalConverter<T> : JsonConverter<Optional<T>>
    {
        // Called for explicit nulls too, so "field": null becomes Set(null) instead of Absent.
        public override bool HandleNull => true;

        public override Optional<T> Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
        {
            if (reader.TokenType == JsonTokenType.Null)
                return new Optional<T>(true, default!);
            try
            {
                return new Optional<T>(true, JsonSerializer.Deserialize<T>(ref reader, options)!);
            }
            catch (JsonException e)
            {
                // A new exception (no path yet) makes the serializer fill in the outer path ($.status), naming the field;
                // a message-less one reads as a wrong type, unstorable text keeps saying so.
                throw e is TextInputException ? new TextInputException() : new JsonException();
            }
        }

        public override void Write(Utf8JsonWriter writer, Optional<T> value, JsonSerializerOptions options)
        {
            if (value.IsSet)
                JsonSerializer.Serialize(writer, value.Value, options);
            else
                writer.WriteNullValue();
        }
    }
}
