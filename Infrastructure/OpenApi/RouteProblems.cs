namespace SupportDesk.Infrastructure.OpenApi;

/// <summary>
/// Problems a handler raises itself (UnauthorizedException, ForbiddenException, If-Match checks, status rules), which
/// nothing in the route's metadata shows; keyed by route name. WithProblemResponses adds the rest from what the route
/// is. A route's own .ProducesProblem(...) says the same and is the better home once its endpoint file is touched;
/// OpenApiDocumentTests fails when a name here no longer names a route.
/// </summary>
internal static class RouteProblems
{
    public static readonly IReadOnlyDictionary<string, int[]> ByRouteName = new Dictionary<string, int[]>
    {
        ["Login"] = [StatusCodes.Status401Unauthorized],
        ["Refresh"] = [StatusCodes.Status401Unauthorized],
        ["CreateTicket"] = [StatusCodes.Status403Forbidden],          // requester_id from a customer
        ["UpdateTicket"] = [StatusCodes.Status403Forbidden, StatusCodes.Status412PreconditionFailed, StatusCodes.Status422UnprocessableEntity],
        ["PatchTicket"] = [StatusCodes.Status403Forbidden, StatusCodes.Status412PreconditionFailed, StatusCodes.Status422UnprocessableEntity],
        ["AssignTicket"] = [StatusCodes.Status412PreconditionFailed],
        ["AddComment"] = [StatusCodes.Status403Forbidden],            // a private comment from a customer
        ["CreateArticle"] = [StatusCodes.Status404NotFound],          // the author was deleted meanwhile
    };

    /// <summary>Routes that read If-Match (412 when stale): the document declares the header for them.</summary>
    public static bool ReadsIfMatch(int[] statuses) => statuses.Contains(StatusCodes.Status412PreconditionFailed);

    /// <summary>Health probes answer 503 with their own body, not a problem; liveness never looks at the database.</summary>
    public static readonly IReadOnlySet<string> Answers503WithOwnBody = new HashSet<string> { "Health", "Readiness" };

    public static readonly IReadOnlySet<string> NeverTouchesDatabase = new HashSet<string> { "Liveness" };
}
