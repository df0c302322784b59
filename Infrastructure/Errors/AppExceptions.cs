namespace SupportDesk.Infrastructure.Errors;

/// <summary>
/// Errors a handler raises when a request cannot be carried out. ProblemExceptionHandler is the one place
/// that turns them into HTTP status codes, so handlers never pick status codes themselves.
/// </summary>
public abstract class AppException(string message) : Exception(message)
{
    public abstract int StatusCode { get; }
    public abstract string Title { get; }
}

/// <summary>The thing does not exist, or the caller may not know that it exists.</summary>
public sealed class NotFoundException(string message) : AppException(message)
{
    public override int StatusCode => StatusCodes.Status404NotFound;
    public override string Title => "Not found";
}

public sealed class ConflictException(string message) : AppException(message)
{
    public override int StatusCode => StatusCodes.Status409Conflict;
    public override string Title => "Conflict";
}

public sealed class ForbiddenException(string message) : AppException(message)
{
    public override int StatusCode => StatusCodes.Status403Forbidden;
    public override string Title => "Forbidden";
}

public sealed class UnauthorizedException(string message) : AppException(message)
{
    public override int StatusCode => StatusCodes.Status401Unauthorized;
    public override string Title => "Unauthorized";
}

/// <summary>A conflict about one field (a taken name, a schedule still in use); the problem names the field.</summary>
public sealed class FieldConflictException(string field, string message) : AppException(message)
{
    public string Field { get; } = field;
    public override int StatusCode => StatusCodes.Status409Conflict;
    public override string Title => "Conflict";
}

/// <summary>An If-Match precondition no longer holds.</summary>
public sealed class PreconditionFailedException(string message) : AppException(message)
{
    public override int StatusCode => StatusCodes.Status412PreconditionFailed;
    public override string Title => "Precondition failed";
}

/// <summary>Well-formed, but the request cannot be applied in the current state (say, an invalid status transition).</summary>
public sealed class UnprocessableException(string field, string message) : AppException(message)
{
    public string Field { get; } = field;
    public override int StatusCode => StatusCodes.Status422UnprocessableEntity;
    public override string Title => "Unprocessable request";
}

/// <summary>A field-level error found by a handler (not by a validator), e.g. a referenced user that is not an agent.</summary>
public sealed class FieldValidationException(string field, string message) : AppException(message)
{
    public string Field { get; } = field;
    public override int StatusCode => StatusCodes.Status400BadRequest;
    public override string Title => "One or more validation errors occurred.";
}

/// <summary>A per-account attempt budget is spent (the middleware handles per-IP and per-user budgets itself).</summary>
public sealed class TooManyRequestsException(TimeSpan retryAfter, int limit)
    : AppException("Too many attempts for this account; try again later.")
{
    public TimeSpan RetryAfter { get; } = retryAfter;
    public int Limit { get; } = limit;
    public override int StatusCode => StatusCodes.Status429TooManyRequests;
    public override string Title => "Too many requests";
}

/// <summary>A mediator message failed its validator (see MessageValidationBehavior); errors are field → messages.</summary>
public sealed class MessageValidationException(IReadOnlyDictionary<string, string[]> errors)
    : AppException(string.Join(" ", errors.SelectMany(e => e.Value)))
{
    public IReadOnlyDictionary<string, string[]> Errors { get; } = errors;
    public override int StatusCode => StatusCodes.Status400BadRequest;
    public override string Title => "One or more validation errors occurred.";
}

/// <summary>A part of the request is over a size limit (a file, the request's files, a ticket's total); names the part.</summary>
public sealed class PayloadTooLargeException(string field, string message) : AppException(message)
{
    public string Field { get; } = field;
    public override int StatusCode => StatusCodes.Status413PayloadTooLarge;
    public override string Title => "Payload too large";
}

/// <summary>Content of a type the service refuses (decided from the bytes, not from what the client says); names the part.</summary>
public sealed class UnsupportedMediaTypeException(string field, string message) : AppException(message)
{
    public string Field { get; } = field;
    public override int StatusCode => StatusCodes.Status415UnsupportedMediaType;
    public override string Title => "Unsupported media type";
}

/// <summary>A service the request needs besides the database (the virus scanner) cannot answer now; 503 with Retry-After.</summary>
public sealed class ScannerUnavailableException(string message) : AppException(message)
{
    public override int StatusCode => StatusCodes.Status503ServiceUnavailable;
    public override string Title => "Service unavailable";
}
