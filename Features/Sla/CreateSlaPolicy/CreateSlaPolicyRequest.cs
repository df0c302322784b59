using FluentValidation;
using SupportDesk.Infrastructure.Sla;
using SupportDesk.Infrastructure.Validation;

namespace SupportDesk.Features.Sla.CreateSlaPolicy;

/// <summary>A policy: its place in the order, which tickets it is for, and targets per priority. Also the body of PUT.</summary>
public sealed record CreateSlaPolicyRequest(
    string Name = "", int Position = 0, SlaPolicyConditions? Conditions = null, Guid? ScheduleId = null, SlaPolicyTargets[]? Targets = null);

public sealed class CreateSlaPolicyValidator : AbstractValidator<CreateSlaPolicyRequest>
{
    public CreateSlaPolicyValidator()
    {
        RuleFor(r => r.Name).NotEmpty().MaximumLength(SlaPolicyRules.MaxName)
            .Must(n => n.Trim().Length > 0).WithMessage("'name' must not be blank.").SingleLine();
        RuleFor(r => r.Position).InclusiveBetween(0, SlaPolicyRules.MaxPosition);

        RuleFor(r => r.Conditions).SetValidator(new SlaPolicyConditionsValidator()!);

        RuleFor(r => r.Targets)
            .Must(t => t is { Length: > 0 }).WithMessage("'targets' must hold the targets of at least one priority.")
            .Must(t => t!.All(x => x is not null)).WithMessage("'targets' must not hold null.")
            .DependentRules(() =>
            {
                RuleForEach(r => r.Targets).ChildRules(t =>
                {
                    t.RuleFor(x => x.Priority).NotNull();
                    t.RuleFor(x => x.FirstReplyTime).NotNull()
                        .When(x => x.NextReplyTime is null && x.ResolutionTime is null)
                        .WithMessage("Give at least one of first_reply_time, next_reply_time, resolution_time.");
                    t.RuleFor(x => x.FirstReplyTime).SetValidator(new SlaTargetSpecValidator()!);
                    t.RuleFor(x => x.NextReplyTime).SetValidator(new SlaTargetSpecValidator()!);
                    t.RuleFor(x => x.ResolutionTime).SetValidator(new SlaTargetSpecValidator()!);
                });
                RuleFor(r => r.Targets)
                    .Must(t => t!.Where(x => x.Priority is not null).GroupBy(x => x.Priority).All(g => g.Count() == 1))
                    .WithMessage("'targets' lists each priority at most once.")
                    .Must((r, t) => r.Conditions?.Priorities is not { Length: > 0 } p || t!.Any(x => x.Priority is { } pr && p.Contains(pr)))
                    .WithMessage("'targets' has no priority that 'conditions.priorities' accepts, so the policy could never apply.");
                RuleFor(r => r.ScheduleId)
                    .NotNull().WithMessage("'schedule_id' is required when a target counts in business hours.")
                    .When(r => r.Targets!.Any(t => t is not null && new[] { t.FirstReplyTime, t.NextReplyTime, t.ResolutionTime }.Any(x => x?.BusinessHours == true)));
            });
    }
}

public sealed class SlaPolicyConditionsValidator : AbstractValidator<SlaPolicyConditions>
{
    public SlaPolicyConditionsValidator()
    {
        RuleFor(c => c.Priorities)
            .Must(p => p is null || p.Length > 0).WithMessage("'priorities' is empty, so the policy could never match; leave it out to match every priority.")
            .Must(p => p is null || p.Distinct().Count() == p.Length).WithMessage("'priorities' lists each priority at most once.");
        RuleFor(c => c.Categories).ValidConditionValues();
        RuleFor(c => c.Tags).ValidConditionValues();
    }
}

public sealed class SlaTargetSpecValidator : AbstractValidator<SlaTargetSpec>
{
    public SlaTargetSpecValidator() =>
        RuleFor(t => t.Minutes).InclusiveBetween(1, SlaPolicyRules.MaxTargetMinutes)
            .WithMessage($"'minutes' must be from 1 to {SlaPolicyRules.MaxTargetMinutes} (a year).");
}

internal static class SlaPolicyValidation
{
    public static IRuleBuilderOptions<T, string[]?> ValidConditionValues<T>(this IRuleBuilder<T, string[]?> rule) =>
        rule.Must(v => v is null || v.Length > 0).WithMessage("'{PropertyName}' is empty, so the policy could never match; leave it out to match every ticket.")
            .Must(v => v is null || v.Length <= SlaPolicyRules.MaxConditionValues).WithMessage($"'{{PropertyName}}' may hold at most {SlaPolicyRules.MaxConditionValues} values.")
            .Must(v => v is null || v.All(x => x is not null && x.Trim().Length is > 0 and <= SlaPolicyRules.MaxConditionValueLength))
            .WithMessage($"Each of '{{PropertyName}}' must be 1 to {SlaPolicyRules.MaxConditionValueLength} characters.")
            .EachSingleLine();
}
