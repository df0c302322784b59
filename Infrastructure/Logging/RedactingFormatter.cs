using System.Text.RegularExpressions;
using Serilog.Events;
using Serilog.Formatting;

namespace SupportDesk.Infrastructure.Logging;

/// <summary>
/// The last step before a log line is written, so it holds for every logger at every level, ours and the framework's
/// (its "Request starting GET /ws?access_token=…" lines at debug): secrets are masked in the finished line — query
/// parameters named like credentials, a password in a URL's user info or a connection string's Password key, and
/// anything shaped like a JWT (a token in a header or an exception message).
/// </summary>
internal sealed partial class RedactingFormatter(ITextFormatter inner) : ITextFormatter
{
    private const string Mask = "[redacted]";

    public void Format(LogEvent logEvent, TextWriter output)
    {
        using var line = new StringWriter();
        inner.Format(logEvent, line);
        output.Write(Redact(line.ToString()));
    }

    internal static string Redact(string text)
    {
        text = SecretQueryParameter().Replace(text, $"$1{Mask}");
        text = UrlPassword().Replace(text, $"$1{Mask}@");
        text = ConnectionStringPassword().Replace(text, $"$1{Mask}");
        return Jwt().Replace(text, Mask);
    }

    // ?access_token=… &token=… (also the JSON-escaped \u0026 a formatter may write for &).
    [GeneratedRegex(@"((?:[?&]|\\u0026)(?:access_token|refresh_token|id_token|token|password|pwd|secret)=)[^&\s""\\#]+", RegexOptions.IgnoreCase)]
    private static partial Regex SecretQueryParameter();

    // postgres://user:password@host
    [GeneratedRegex(@"([a-z][a-z0-9+.-]*://[^:/@\s""]*:)[^@\s""]+@", RegexOptions.IgnoreCase)]
    private static partial Regex UrlPassword();

    // Password=…; in an Npgsql connection string.
    [GeneratedRegex(@"(\b(?:password|pwd)\s*=\s*)[^;\s""]+", RegexOptions.IgnoreCase)]
    private static partial Regex ConnectionStringPassword();

    [GeneratedRegex(@"eyJ[A-Za-z0-9_-]{4,}\.[A-Za-z0-9_-]{4,}\.[A-Za-z0-9_-]+")]
    private static partial Regex Jwt();
}
