using System.Security.Cryptography;
using System.Text;
using System.Text.RegularExpressions;
using SupportDesk.Infrastructure.Configuration;

namespace SupportDesk.Infrastructure.Email;

/// <summary>
/// A reference token put in every outgoing mail about a ticket (hidden in the HTML part, one short line in the text
/// part), so a reply still finds its ticket when a provider rewrote our Message-ID and dropped In-Reply-To. The token
/// carries the ticket id and a MAC keyed from JWT_SECRET: nobody can make one for a ticket they never got mail about.
/// </summary>
public sealed partial class ThreadMarker
{
    private readonly byte[] _key;

    public ThreadMarker(AppSettings settings) =>
        _key = HKDF.DeriveKey(HashAlgorithmName.SHA256, settings.Auth.JwtSecret, 32, info: "supportdesk inbound thread marker v1"u8.ToArray());

    public string For(Guid ticketId) => $"sdref-{ticketId:N}-{Mac(ticketId)}";

    /// <summary>The first genuine token's ticket in the text, or null.</summary>
    public Guid? Find(string? text)
    {
        if (string.IsNullOrEmpty(text))
            return null;
        foreach (Match match in TokenPattern().Matches(text))
        {
            var id = Guid.ParseExact(match.Groups[1].Value, "N");
            if (CryptographicOperations.FixedTimeEquals(Encoding.ASCII.GetBytes(Mac(id)), Encoding.ASCII.GetBytes(match.Groups[2].Value.ToLowerInvariant())))
                return id;
        }
        return null;
    }

    /// <summary>The text part's trailer line.</summary>
    public string TextLine(Guid ticketId) => $"\n\n[{For(ticketId)}]";

    /// <summary>Invisible in mail clients, kept by the ones that quote the HTML.</summary>
    public string HtmlSpan(Guid ticketId) =>
        $"<span style=\"display:none!important;font-size:0;line-height:0;max-height:0;overflow:hidden;color:transparent\">[{For(ticketId)}]</span>";

    private string Mac(Guid ticketId) =>
        Convert.ToHexStringLower(HMACSHA256.HashData(_key, ticketId.ToByteArray()))[..16];

    [GeneratedRegex(@"sdref-([0-9a-f]{32})-([0-9a-fA-F]{16})", RegexOptions.CultureInvariant)]
    private static partial Regex TokenPattern();
}
