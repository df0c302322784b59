using Microsoft.Extensions.Primitives;
using SupportDesk.Infrastructure.Errors;

namespace SupportDesk.Features.Tickets;

/// <summary>Reads an If-Match header holding a ticket ETag ("7"; weak W/"7" accepted; * means any version).</summary>
public static class IfMatch
{
    public static int? Parse(StringValues header)
    {
        var raw = header.ToString().Trim();
        if (raw.Length == 0 || raw == "*")
            return null;
        if (raw.StartsWith("W/", StringComparison.Ordinal))
            raw = raw[2..];
        if (raw.Length >= 2 && raw[0] == '"' && raw[^1] == '"' && int.TryParse(raw.AsSpan(1, raw.Length - 2), out var version))
            return version;
        // A tag that cannot be ours can never match.
        throw new PreconditionFailedException("If-Match does not match the ticket's current ETag.");
    }
}
