using System.Text.Json.Serialization;

namespace SupportDesk.Infrastructure.OpenApi;

/// <summary>
/// The body of every error response (RFC 9457 application/problem+json) as AddProblemResponses and
/// ProblemExceptionHandler write it. Only documents the wire shape: responses are written from ProblemDetails.
/// </summary>
public sealed class Problem
{
    /// <summary>A URI for the kind of problem; absent for statuses without a registered default (413, 429).</summary>
    public string Type { get; init; } = "";

    public required string Title { get; init; }

    public required int Status { get; init; }

    /// <summary>What went wrong with this request, for people.</summary>
    public string Detail { get; init; } = "";

    /// <summary>The request path.</summary>
    public required string Instance { get; init; }

    /// <summary>The same id as the X-Trace-Id header and the request's log line.</summary>
    [JsonPropertyName("trace_id")]
    public required string TraceId { get; init; }

    /// <summary>Validation problems (400, 422): field name → messages.</summary>
    public IReadOnlyDictionary<string, string[]> Errors { get; init; } = new Dictionary<string, string[]>();
}
