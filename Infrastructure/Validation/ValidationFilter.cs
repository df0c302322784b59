using System.Reflection;
using FluentValidation;
using SupportDesk.Infrastructure.Json;

namespace SupportDesk.Infrastructure.Validation;

/// <summary>
/// The one place where FluentValidation runs: an endpoint filter that validates every bound argument
/// whose type has a validator, before the handler sees it. Attached once, on the root route group.
/// It also refuses unstorable text (NUL, lone surrogates) bound from the route, query string or headers;
/// bodies are checked while they are read (StorableStringConverter).
/// </summary>
public static class ValidationFilter
{
    public static TBuilder AddValidation<TBuilder>(this TBuilder builder) where TBuilder : IEndpointConventionBuilder
    {
        builder.AddEndpointFilterFactory(static (factoryContext, next) =>
        {
            var services = factoryContext.ApplicationServices;
            var validated = new List<(int Index, IValidator Validator)>();
            var parameters = factoryContext.MethodInfo.GetParameters();
            for (var i = 0; i < parameters.Length; i++)
            {
                var validatorType = typeof(IValidator<>).MakeGenericType(parameters[i].ParameterType);
                if (services.GetService(validatorType) is IValidator validator)
                    validated.Add((i, validator));
            }

            var texts = BoundText.For(parameters);

            if (validated.Count == 0 && texts.Length == 0)
                return next;

            return async invocationContext =>
            {
                // Unstorable text first: its message wins over a validator's on the same field.
                var errors = BoundText.Check(texts, invocationContext.Arguments);
                foreach (var (index, validator) in validated)
                {
                    var argument = invocationContext.Arguments[index];
                    if (argument is null)
                        continue;
                    var result = await validator.ValidateAsync(new ValidationContext<object>(argument), invocationContext.HttpContext.RequestAborted);
                    if (result.IsValid)
                        continue;
                    errors ??= new Dictionary<string, string[]>();
                    foreach (var group in result.Errors.GroupBy(e => e.PropertyName))
                        errors.TryAdd(group.Key, group.Select(e => e.ErrorMessage).Distinct().ToArray());
                }

                return errors is null
                    ? await next(invocationContext)
                    : TypedResults.ValidationProblem(errors, detail: "See errors for the fields that need fixing.");
            };
        });
        return builder;
    }

    /// <summary>Field names in messages and error keys are the snake_case names clients send.</summary>
    public static void UseSnakeCaseNames()
    {
        ValidatorOptions.Global.PropertyNameResolver = static (_, member, expression) =>
            member is not null ? SnakeCase(member) : expression?.ToString() is { } text ? JsonSetup.ToSnakeCase(text) : null;
        ValidatorOptions.Global.DisplayNameResolver = static (_, member, _) =>
            member is not null ? SnakeCase(member) : null;
        // One message per field: the first rule that fails says what is wrong.
        ValidatorOptions.Global.DefaultRuleLevelCascadeMode = CascadeMode.Stop;
        ValidatorOptions.Global.LanguageManager.Enabled = true;
        ValidatorOptions.Global.LanguageManager.Culture = System.Globalization.CultureInfo.InvariantCulture;
    }

    private static string SnakeCase(MemberInfo member) => JsonSetup.ToSnakeCase(member.Name);
}
