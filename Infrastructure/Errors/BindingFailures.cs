using System.Text.Json;
using System.Text.RegularExpressions;

namespace SupportDesk.Infrastructure.Errors;

/// <summary>
/// Turns ASP.NET Core's parameter binding failures ('Failed to bind parameter "Nullable&lt;int&gt; Limit" from "abc".')
/// into the field a client sent and what it must look like. The framework names the C# parameter; clients send the
/// snake_case name (the API's convention, which the bad-input suite checks for every query parameter of every route).
/// </summary>
internal static partial class BindingFailures
{
    [GeneratedRegex("""^(?:Failed to bind|Required) parameter "(?<type>[^"]*) (?<name>[^" ]+)" (?:from "|was not provided)""", RegexOptions.CultureInvariant)]
    private static partial Regex BindingMessage();

    public static (string Field, string Message)? Describe(BadHttpRequestException exception)
    {
        if (BindingMessage().Match(exception.Message) is not { Success: true } match)
            return null;
        var field = JsonNamingPolicy.SnakeCaseLower.ConvertName(match.Groups["name"].Value);
        if (exception.Message.Contains("was not provided", StringComparison.Ordinal))
            return (field, $"'{field}' is required.");
        return (field, $"'{field}' {Expectation(match.Groups["type"].Value)}.");
    }

    private static string Expectation(string typeName)
    {
        var name = typeName.StartsWith("Nullable<", StringComparison.Ordinal) ? typeName[9..^1] : typeName;
        return name switch
        {
            "int" or "long" or "short" => "must be a whole number in range",
            "bool" => "must be true or false",
            "Guid" => "must be a UUID",
            "DateOnly" => "must be a date (YYYY-MM-DD)",
            "DateTimeOffset" or "DateTime" => "must be a date, or a date and time in ISO 8601 (2026-12-02T16:00:00Z)",
            "decimal" or "double" or "float" => "must be a number",
            _ => "has the wrong format",
        };
    }
}
