namespace SupportDesk.Infrastructure.OpenApi;

/// <summary>
/// What a route declares about its own answers, for the problems only its handler knows (UnauthorizedException,
/// ForbiddenException, If-Match checks, status rules). WithProblemResponses adds the rest from what the route is.
/// </summary>
public static class RouteProblems
{
    /// <summary>Problems the handler raises itself; 412 also declares the If-Match header.</summary>
    public static TBuilder ProducesProblems<TBuilder>(this TBuilder builder, params int[] statuses) where TBuilder : IEndpointConventionBuilder =>
        builder.WithMetadata(new HandlerProblemsMetadata(statuses));

    /// <summary>A health probe: it answers 503 with its own body when the database is away, not a problem.</summary>
    public static TBuilder AnswersUnavailableWithOwnBody<TBuilder>(this TBuilder builder) where TBuilder : IEndpointConventionBuilder =>
        builder.WithMetadata(OwnUnavailableBodyMetadata.Instance);

    /// <summary>A route that never reads the database (liveness), so it has no 503 to declare.</summary>
    public static TBuilder NeverTouchesDatabase<TBuilder>(this TBuilder builder) where TBuilder : IEndpointConventionBuilder =>
        builder.WithMetadata(NoDatabaseMetadata.Instance);

    internal sealed record HandlerProblemsMetadata(int[] Statuses);

    internal sealed class OwnUnavailableBodyMetadata
    {
        public static readonly OwnUnavailableBodyMetadata Instance = new();
    }

    internal sealed class NoDatabaseMetadata
    {
        public static readonly NoDatabaseMetadata Instance = new();
    }
}
