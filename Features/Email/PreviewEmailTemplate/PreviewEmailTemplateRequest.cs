using FluentValidation;
using SupportDesk.Infrastructure.Email;
using SupportDesk.Infrastructure.Validation;

namespace SupportDesk.Features.Email.PreviewEmailTemplate;

/// <summary>An optional draft: each given part replaces the stored one for this preview only.</summary>
public sealed record PreviewEmailTemplateRequest(string? Subject = null, string? HtmlBody = null, string? TextBody = null);

public sealed class PreviewEmailTemplateValidator : AbstractValidator<PreviewEmailTemplateRequest>
{
    public PreviewEmailTemplateValidator(EmailTemplateEngine engine)
    {
        RuleFor(r => r.Subject!).NotEmpty().MaximumLength(EmailTemplateRules.MaxSubjectLength).SingleLine().ValidLiquid(engine).When(r => r.Subject is not null);
        RuleFor(r => r.HtmlBody!).NotEmpty().MaximumLength(EmailTemplateRules.MaxBodyLength).ValidLiquid(engine).When(r => r.HtmlBody is not null);
        RuleFor(r => r.TextBody!).NotEmpty().MaximumLength(EmailTemplateRules.MaxBodyLength).ValidLiquid(engine).When(r => r.TextBody is not null);
    }
}
