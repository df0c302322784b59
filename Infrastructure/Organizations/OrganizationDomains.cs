using System.Text.RegularExpressions;
using Dapper;
using Npgsql;

namespace SupportDesk.Infrastructure.Organizations;

/// <summary>
/// An organization's email domains, and "which organization does this address belong to": one definition for every
/// place that places a customer by their address (registration now, inbound mail later). Domains compare
/// case-insensitively and whole: "acme.test" matches ann@acme.test and ann@ACME.test, not ann@eu.acme.test.
/// </summary>
public static partial class OrganizationDomains
{
    public const int MaxLength = 253;
    public const int MaxPerOrganization = 50;

    /// <summary>SQL expression: the organization owning domain @Domain (already normalized), or NULL.</summary>
    public const string OrganizationForDomain = "(SELECT d.organization_id FROM organization_domains d WHERE d.domain = @Domain)";

    /// <summary>"Acme.Test." → "acme.test": how a domain is stored and compared.</summary>
    public static string Normalize(string domain) => domain.Trim().TrimEnd('.').ToLowerInvariant();

    /// <summary>A host name of two or more labels of letters, digits and inner hyphens (after <see cref="Normalize"/>).</summary>
    public static bool IsValid(string normalized) =>
        normalized.Length <= MaxLength && HostName().IsMatch(normalized);

    /// <summary>The normalized domain of an email address ("Ann@Acme.Test" → "acme.test"), or null when it has none.</summary>
    public static string? DomainOf(string email)
    {
        var at = email.LastIndexOf('@');
        if (at < 0 || at == email.Length - 1)
            return null;
        var domain = Normalize(email[(at + 1)..]);
        return IsValid(domain) ? domain : null;
    }

    /// <summary>The organization whose domain the address has, or null.</summary>
    public static async Task<Guid?> MatchAsync(NpgsqlConnection connection, NpgsqlTransaction? transaction, string email, CancellationToken ct) =>
        DomainOf(email) is { } domain
            ? await connection.ExecuteScalarAsync<Guid?>(new CommandDefinition("SELECT " + OrganizationForDomain, new { Domain = domain }, transaction, cancellationToken: ct))
            : null;

    [GeneratedRegex("^(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\\.)+[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$", RegexOptions.CultureInvariant)]
    private static partial Regex HostName();
}
