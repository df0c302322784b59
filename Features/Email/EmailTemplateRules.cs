using FluentValidation;
using SupportDesk.Infrastructure.Email;

namespace SupportDesk.Features.Email;

/// <summary>Field rules shared by the slices that accept template text (update, preview).</summary>
public static class EmailTemplateRules
{
    public const int MaxSubjectLength = 500;
    public const int MaxBodyLength = 100_000;

    /// <summary>The text parses as Liquid and renders the sample model; the error quotes Fluid's message and position.</summary>
    public static IRuleBuilderOptionsConditions<T, string> ValidLiquid<T>(this IRuleBuilder<T, string> rule, EmailTemplateEngine engine) =>
        rule.Custom((source, context) =>
        {
            if (engine.FindError(source) is { } error)
                context.AddFailure($"'{context.DisplayName}' is not a valid Liquid template: {error}");
        });
}
