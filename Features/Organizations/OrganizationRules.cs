using Dapper;
using FluentValidation;
using Npgsql;
using SupportDesk.Infrastructure.Errors;
using SupportDesk.Infrastructure.Organizations;
using SupportDesk.Infrastructure.Validation;

namespace SupportDesk.Features.Organizations;

/// <summary>Field rules and the domain list write, shared by the slices that write organizations.</summary>
public static class OrganizationRules
{
    public const int MaxName = 200;
    public const int MaxNotes = 10_000;

    public static IRuleBuilderOptions<T, string> ValidOrganizationName<T>(this IRuleBuilder<T, string> rule) =>
        rule.NotEmpty().MaximumLength(MaxName).Must(n => n.Trim().Length > 0).WithMessage("'{PropertyName}' must not be blank.").SingleLine();

    public static IRuleBuilderOptions<T, string?> ValidNotes<T>(this IRuleBuilder<T, string?> rule) =>
        rule.MaximumLength(MaxNotes);

    public static IRuleBuilderOptions<T, string[]?> ValidDomains<T>(this IRuleBuilder<T, string[]?> rule) =>
        rule.Must(d => d is null || d.Length <= OrganizationDomains.MaxPerOrganization)
            .WithMessage($"'{{PropertyName}}' may hold at most {OrganizationDomains.MaxPerOrganization} domains.")
            .Must(d => d is null || Array.TrueForAll(d, x => x is not null && OrganizationDomains.IsValid(OrganizationDomains.Normalize(x))))
            .WithMessage("Each of '{PropertyName}' must be a domain name such as example.com (letters, digits, hyphens; IDNs in punycode).")
            .Must(d => d is null || d.Where(x => x is not null).Select(OrganizationDomains.Normalize).Distinct().Count() == d.Length)
            .WithMessage("'{PropertyName}' lists a domain twice.");

    public static string[] NormalizeDomains(IEnumerable<string> domains) =>
        domains.Select(OrganizationDomains.Normalize).Distinct().Order(StringComparer.Ordinal).ToArray();

    private const string ReplaceDomainsSql = """
        DELETE FROM organization_domains WHERE organization_id = @OrganizationId AND domain <> ALL(@Domains);
        INSERT INTO organization_domains (domain, organization_id)
        SELECT unnest(@Domains), @OrganizationId
        ON CONFLICT (domain) DO NOTHING;
        SELECT d.domain FROM organization_domains d WHERE d.domain = ANY(@Domains) AND d.organization_id <> @OrganizationId ORDER BY d.domain;
        """;

    /// <summary>
    /// Makes the organization's domains exactly these, in the caller's transaction. A domain another organization holds
    /// is a 409 naming `domains` and the domain; the transaction is then to be rolled back, so nothing is half-written.
    /// </summary>
    public static async Task ReplaceDomainsAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, Guid organizationId,
        string[] domains, CancellationToken ct)
    {
        // ON CONFLICT waits for a concurrent claim of the same domain and then skips it, so the check below sees the winner.
        var taken = (await connection.QueryAsync<string>(new CommandDefinition(ReplaceDomainsSql,
            new { OrganizationId = organizationId, Domains = domains }, transaction, cancellationToken: ct))).AsList();
        if (taken.Count > 0)
            throw DomainTaken(taken);
    }

    private static FieldConflictException DomainTaken(IReadOnlyList<string> domains) =>
        new("domains", $"Already claimed by another organization: {string.Join(", ", domains)}.");
}
