using System.Diagnostics;

namespace SupportDesk.Infrastructure.Http;

public static class HttpSetup
{
    private static ActivityListener? _listener;

    /// <summary>
    /// ASP.NET Core only starts a request Activity when something listens; we listen so every request has a
    /// W3C trace id for logs, problem bodies and the X-Trace-Id header.
    /// </summary>
    public static void EnsureRequestActivities()
    {
        if (_listener is not null)
            return;
        _listener = new ActivityListener
        {
            ShouldListenTo = source => source.Name == "Microsoft.AspNetCore",
            Sample = static (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.PropagationData,
        };
        ActivitySource.AddActivityListener(_listener);
    }

    /// <summary>Security headers and the trace id on every response.</summary>
    public static IApplicationBuilder UseResponseHeaders(this IApplicationBuilder app) => app.Use((context, next) =>
    {
        context.Response.OnStarting(static state =>
        {
            var http = (HttpContext)state;
            var headers = http.Response.Headers;
            headers.XContentTypeOptions = "nosniff";
            // The API answers JSON only; the /docs page needs its own bundled script and styles. A route that serves
            // user content (attachment downloads) sets a stricter policy of its own, which stays.
            if (string.IsNullOrEmpty(headers.ContentSecurityPolicy))
                headers.ContentSecurityPolicy = http.Request.Path.StartsWithSegments("/docs")
                ? "default-src 'self'; script-src 'self' 'unsafe-inline'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; frame-ancestors 'none'"
                    : "default-src 'none'; frame-ancestors 'none'";
            headers.XFrameOptions = "DENY";
            headers["Referrer-Policy"] = "no-referrer";
            headers["X-Trace-Id"] = Activity.Current?.TraceId.ToString() ?? http.TraceIdentifier;
            return Task.CompletedTask;
        }, context);
        return next(context);
    });
}
