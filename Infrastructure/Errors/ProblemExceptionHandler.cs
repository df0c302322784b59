using System.Diagnostics;
using System.Text.Json;
using Microsoft.AspNetCore.Diagnostics;
using Microsoft.AspNetCore.Mvc;
using Npgsql;
using SupportDesk.Infrastructure.Database;
using SupportDesk.Infrastructure.Json;

namespace SupportDesk.Infrastructure.Errors;

/// <summary>The one mapping from exceptions to RFC 9457 problem responses.</summary>
public sealed class ProblemExceptionHandler(IProblemDetailsService problems, ILogger<ProblemExceptionHandler> logger) : IExceptionHandler
{
    // A fast restart or a failover takes a few seconds; clients that honour the header come back after it.
    private const string RetryAfterSeconds = "2";

    public async ValueTask<bool> TryHandleAsync(HttpContext context, Exception exception, CancellationToken cancellationToken)
    {
        if (exception is OperationCanceledException && context.RequestAborted.IsCancellationRequested)
        {
            // The client went away; nobody is left to answer.
            context.Response.StatusCode = 499;
            return true;
        }

        var problem = Map(exception);
        if (problem.Status == StatusCodes.Status503ServiceUnavailable)
            logger.LogWarning("Database unavailable for {Method} {Path}: {Message}", context.Request.Method, context.Request.Path, exception.Message);
        else if (problem.Status >= 500)
            logger.LogError(exception, "Unhandled exception for {Method} {Path}", context.Request.Method, context.Request.Path);
        else if (exception is PostgresException)
            logger.LogInformation("Database refused a request: {SqlState} {Constraint}", ((PostgresException)exception).SqlState, ((PostgresException)exception).ConstraintName);

        if (exception is TooManyRequestsException tooMany)
            RateLimiting.TooManyRequests.SetHeaders(context.Response, tooMany.RetryAfter, tooMany.Limit);
        else if (problem.Status == StatusCodes.Status503ServiceUnavailable)
            context.Response.Headers.RetryAfter = RetryAfterSeconds;

        context.Response.StatusCode = problem.Status!.Value;
        return await problems.TryWriteAsync(new ProblemDetailsContext
        {
            HttpContext = context,
            ProblemDetails = problem,
            Exception = exception,
        });
    }

    private static ProblemDetails Map(Exception exception) => exception switch
    {
        FieldValidationException e => Validation(e.Field, e.Message),
        MessageValidationException e => new ProblemDetails { Status = e.StatusCode, Title = e.Title, Detail = e.Message, Extensions = { ["errors"] = e.Errors } },
        FieldConflictException e => WithErrors(new ProblemDetails { Status = e.StatusCode, Title = e.Title, Detail = e.Message }, e.Field, e.Message),
        UnprocessableException e => WithErrors(new ProblemDetails { Status = e.StatusCode, Title = e.Title, Detail = e.Message }, e.Field, e.Message),
        PayloadTooLargeException e => WithErrors(new ProblemDetails { Status = e.StatusCode, Title = e.Title, Detail = e.Message }, e.Field, e.Message),
        UnsupportedMediaTypeException e => WithErrors(new ProblemDetails { Status = e.StatusCode, Title = e.Title, Detail = e.Message }, e.Field, e.Message),
        AppException e => new ProblemDetails { Status = e.StatusCode, Title = e.Title, Detail = e.Message },
        BadHttpRequestException e => MapBadRequest(e),
        // By class, before any SQLSTATE: a restart, failover or full server answers 503 whatever the request was doing.
        _ when PostgresErrors.IsUnavailable(exception) => new ProblemDetails
        {
            Status = StatusCodes.Status503ServiceUnavailable,
            Title = "Service unavailable",
            Detail = "The database is unreachable right now; try again shortly.",
        },
        PostgresException e => MapPostgres(e),
        _ => new ProblemDetails
        {
            Status = StatusCodes.Status500InternalServerError,
            Title = "Internal server error",
            Detail = "Something went wrong on our side. Quote the trace id when you report it.",
        },
    };

    private static ProblemDetails MapBadRequest(BadHttpRequestException e)
    {
        if (FindJsonException(e) is { } json)
        {
            var field = JsonFieldName(json.Path);
            const string message = "Unknown field, or a value of the wrong type or format for it.";
            if (field is null)
                return new ProblemDetails { Status = 400, Title = "Malformed JSON", Detail = "The request body is not valid JSON." };
            if (json is TextInputException)
                return Validation(field, TextInput.NotStorableMessage(field));
            return Validation(field, message, "The request body has a field of the wrong type or format.");
        }
        if (e.StatusCode == StatusCodes.Status400BadRequest && BindingFailures.Describe(e) is var (parameter, reason))
            return Validation(parameter, reason);

        return e.StatusCode switch
        {
            StatusCodes.Status413PayloadTooLarge => new ProblemDetails { Status = 413, Title = "Payload too large", Detail = "The request body is larger than this service accepts." },
            StatusCodes.Status415UnsupportedMediaType => new ProblemDetails { Status = 415, Title = "Unsupported media type", Detail = "Send the body as application/json." },
            _ => new ProblemDetails { Status = 400, Title = "Bad request", Detail = BadRequestDetail(e) },
        };
    }

    // Other framework messages (a malformed form or header) say what failed; safe to show.
    private static string BadRequestDetail(BadHttpRequestException e) =>
        e.InnerException is null ? e.Message : "The request could not be read.";

    private static JsonException? FindJsonException(Exception? e)
    {
        for (; e is not null; e = e.InnerException)
            if (e is JsonException json)
                return json;
        return null;
    }

    /// <summary>"$.tags[2]" → "tags", "$.user.first_name" → "user.first_name"; "$" or null → null.</summary>
    internal static string? JsonFieldName(string? path)
    {
        if (string.IsNullOrEmpty(path) || path == "$")
            return null;
        var field = path.StartsWith("$.", StringComparison.Ordinal) ? path[2..] : path.TrimStart('$');
        var bracket = field.IndexOf('[');
        if (bracket == 0)
        {
            // $['weird name'] form
            field = field.Trim('[', ']', '\'');
        }
        else if (bracket > 0)
        {
            field = field[..bracket];
        }
        return field.Length == 0 ? null : field;
    }

    private static ProblemDetails MapPostgres(PostgresException e) => e.SqlState switch
    {
        PostgresErrors.UniqueViolation => new ProblemDetails { Status = 409, Title = "Conflict", Detail = "A record with the same unique value already exists." },
        PostgresErrors.ForeignKeyViolation => new ProblemDetails { Status = 404, Title = "Not found", Detail = "A referenced record does not exist." },
        PostgresErrors.CheckViolation or PostgresErrors.NotNullViolation or PostgresErrors.StringDataRightTruncation
            or PostgresErrors.InvalidTextRepresentation or PostgresErrors.ProgramLimitExceeded
            // Input validation should refuse NUL first; this keeps one it misses a client error.
            or PostgresErrors.CharacterNotInRepertoire
            => new ProblemDetails { Status = 400, Title = "Bad request", Detail = "A value was rejected by the database's rules." },
        PostgresErrors.SerializationFailure or PostgresErrors.DeadlockDetected
            => new ProblemDetails { Status = 409, Title = "Conflict", Detail = "The record was changed concurrently; retry the request." },
        PostgresErrors.QueryCanceled => new ProblemDetails { Status = 503, Title = "Service unavailable", Detail = "The query took too long." },
        _ => new ProblemDetails { Status = 500, Title = "Internal server error", Detail = "Something went wrong on our side. Quote the trace id when you report it." },
    };

    private static ProblemDetails Validation(string field, string message, string? detail = null) =>
        WithErrors(new ProblemDetails
        {
            Status = StatusCodes.Status400BadRequest,
            Title = "One or more validation errors occurred.",
            Detail = detail ?? message,
        }, field, message);

    private static ProblemDetails WithErrors(ProblemDetails problem, string field, string message)
    {
        problem.Extensions["errors"] = new Dictionary<string, string[]> { [field] = [message] };
        return problem;
    }
}

public static class ProblemDetailsSetup
{
    public static IServiceCollection AddProblemResponses(this IServiceCollection services)
    {
        services.AddProblemDetails(options => options.CustomizeProblemDetails = ctx =>
        {
            ctx.ProblemDetails.Instance ??= ctx.HttpContext.Request.Path;
            ctx.ProblemDetails.Extensions["trace_id"] = Activity.Current?.TraceId.ToString() ?? ctx.HttpContext.TraceIdentifier;
            ctx.ProblemDetails.Extensions.Remove("traceId");
            if (ctx.ProblemDetails.Status == StatusCodes.Status405MethodNotAllowed)
                ctx.ProblemDetails.Detail ??= $"{ctx.HttpContext.Request.Method} is not allowed on this route.";
            if (ctx.ProblemDetails.Status == StatusCodes.Status404NotFound)
                ctx.ProblemDetails.Detail ??= "No such route or resource.";
        });
        services.AddExceptionHandler<ProblemExceptionHandler>();
        // Minimal APIs only throw on bad bodies/parameters when asked; we want them to, so the handler above answers.
        services.Configure<RouteHandlerOptions>(o => o.ThrowOnBadRequest = true);
        return services;
    }
}
