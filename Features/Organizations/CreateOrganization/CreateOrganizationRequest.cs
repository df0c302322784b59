using FluentValidation;

namespace SupportDesk.Features.Organizations.CreateOrganization;

/// <summary>A new organization. Domains are compared and stored lower-case; each may belong to one organization only.</summary>
public sealed record CreateOrganizationRequest(
    string Name = "", string[]? Domains = null, string? Notes = null, bool Shared = false, bool SharedComments = false);

public sealed class CreateOrganizationValidator : AbstractValidator<CreateOrganizationRequest>
{
    public CreateOrganizationValidator()
    {
        RuleFor(r => r.Name).ValidOrganizationName();
        RuleFor(r => r.Domains).ValidDomains();
        RuleFor(r => r.Notes).ValidNotes();
    }
}
