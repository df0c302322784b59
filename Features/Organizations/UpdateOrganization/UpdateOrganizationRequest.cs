using FluentValidation;

namespace SupportDesk.Features.Organizations.UpdateOrganization;

/// <summary>A partial update: absent fields stay as they are; domains, when given, replace the whole list.</summary>
public sealed record UpdateOrganizationRequest(
    string? Name = null, string[]? Domains = null, string? Notes = null, bool? Shared = null, bool? SharedComments = null);

public sealed class UpdateOrganizationValidator : AbstractValidator<UpdateOrganizationRequest>
{
    public UpdateOrganizationValidator()
    {
        RuleFor(r => r.Name!).ValidOrganizationName().When(r => r.Name is not null);
        RuleFor(r => r.Domains).ValidDomains();
        RuleFor(r => r.Notes).ValidNotes();
        RuleFor(r => r)
            .Must(r => r.Name is not null || r.Domains is not null || r.Notes is not null || r.Shared is not null || r.SharedComments is not null)
            .OverridePropertyName("body")
            .WithMessage("Give at least one of name, domains, notes, shared, shared_comments.");
    }
}
