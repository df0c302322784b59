using FluentValidation;
using Mediator;
using SupportDesk.Infrastructure.Errors;

namespace SupportDesk.Infrastructure.Validation;

/// <summary>
/// Validates every mediator message that has a validator of its own, whoever sends it (start-up, the CLI, a job), so
/// no path skips the rules that HTTP requests meet in <see cref="ValidationFilter"/>. Requests bound from HTTP are
/// validated there, before their message exists; a message type has a validator only where no HTTP request covers it.
/// </summary>
public sealed class MessageValidationBehavior<TMessage, TResponse>(IServiceProvider services) : IPipelineBehavior<TMessage, TResponse>
    where TMessage : notnull, IMessage
{
    // Resolved once: the behaviour is a singleton per message type, and most messages have no validator.
    private readonly IValidator<TMessage>? _validator = services.GetService<IValidator<TMessage>>();

    public ValueTask<TResponse> Handle(TMessage message, MessageHandlerDelegate<TMessage, TResponse> next, CancellationToken cancellationToken) =>
        _validator is null ? next(message, cancellationToken) : ValidateThenHandleAsync(message, next, cancellationToken);

    private async ValueTask<TResponse> ValidateThenHandleAsync(TMessage message, MessageHandlerDelegate<TMessage, TResponse> next, CancellationToken ct)
    {
        var result = await _validator!.ValidateAsync(message, ct);
        if (!result.IsValid)
            throw new MessageValidationException(result.Errors
                .GroupBy(e => e.PropertyName)
                .ToDictionary(g => g.Key, g => g.Select(e => e.ErrorMessage).Distinct().ToArray()));
        return await next(message, ct);
    }
}
