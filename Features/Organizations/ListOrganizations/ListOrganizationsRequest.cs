using FluentValidation;
using SupportDesk.Infrastructure.Http;
using SupportDesk.Infrastructure.Validation;

namespace SupportDesk.Features.Organizations.ListOrganizations;

/// <summary>domain: only the organization holding this domain (any case).</summary>
public sealed record ListOrganizationsRequest(string? Domain, int? Limit, int? Offset);

public sealed class ListOrganizationsValidator : AbstractValidator<ListOrganizationsRequest>
{
    public ListOrganizationsValidator()
    {
        RuleFor(r => r.Domain).MaximumLength(Infrastructure.Organizations.OrganizationDomains.MaxLength).SingleLine();
        RuleFor(r => r.Limit).InclusiveBetween(1, Paging.MaxLimit);
        RuleFor(r => r.Offset).InclusiveBetween(0, Paging.MaxOffset);
    }
}
