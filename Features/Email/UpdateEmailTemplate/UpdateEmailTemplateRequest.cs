using FluentValidation;
using SupportDesk.Infrastructure.Email;
using SupportDesk.Infrastructure.Validation;

namespace SupportDesk.Features.Email.UpdateEmailTemplate;

/// <summary>A full replacement: every field is required.</summary>
public sealed record UpdateEmailTemplateRequest(string Subject = "", string HtmlBody = "", string TextBody = "", bool? IsActive = null);

public sealed class UpdateEmailTemplateValidator : AbstractValidator<UpdateEmailTemplateRequest>
{
    public UpdateEmailTemplateValidator(EmailTemplateEngine engine)
    {
        RuleFor(r => r.Subject).NotEmpty().MaximumLength(EmailTemplateRules.MaxSubjectLength).SingleLine().ValidLiquid(engine);
        RuleFor(r => r.HtmlBody).NotEmpty().MaximumLength(EmailTemplateRules.MaxBodyLength).ValidLiquid(engine);
        RuleFor(r => r.TextBody).NotEmpty().MaximumLength(EmailTemplateRules.MaxBodyLength).ValidLiquid(engine);
        RuleFor(r => r.IsActive).NotNull();
    }
}
