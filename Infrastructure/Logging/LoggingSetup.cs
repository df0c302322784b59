using Serilog;
using Serilog.Events;
using Serilog.Formatting.Compact;

namespace SupportDesk.Infrastructure.Logging;

public static class LoggingSetup
{
    /// <summary>LOG_LEVEL takes the spec's RUST_LOG words (trace, debug, info, warn, error) or Serilog's level names.</summary>
    public static LogEventLevel ParseLevel(string? value) => value?.Trim().ToLowerInvariant() switch
    {
        "trace" or "verbose" => LogEventLevel.Verbose,
        "debug" => LogEventLevel.Debug,
        "warn" or "warning" => LogEventLevel.Warning,
        "error" => LogEventLevel.Error,
        "fatal" or "off" => LogEventLevel.Fatal,
        _ => LogEventLevel.Information,
    };

    public static LoggerConfiguration Configure(LoggerConfiguration config, string? level)
    {
        var minimum = ParseLevel(level);
        return config
            .MinimumLevel.Is(minimum)
            // Framework chatter stays at warning unless the user asked for debug or more.
            .MinimumLevel.Override("Microsoft.AspNetCore", minimum < LogEventLevel.Information ? minimum : LogEventLevel.Warning)
            .MinimumLevel.Override("Microsoft.Extensions.Http", LogEventLevel.Warning)
            .MinimumLevel.Override("FluentMigrator", minimum < LogEventLevel.Information ? minimum : LogEventLevel.Warning)
            .Enrich.FromLogContext()
            .WriteTo.Console(new RenderedCompactJsonFormatter());
    }

    /// <summary>One JSON line per request: method, path, status, elapsed ms, trace id.</summary>
    public static WebApplication UseRequestLogging(this WebApplication app)
    {
        app.UseSerilogRequestLogging(options =>
        {
            options.MessageTemplate = "HTTP {RequestMethod} {RequestPath} responded {StatusCode} in {Elapsed:0.0} ms";
            options.EnrichDiagnosticContext = (diagnostics, http) =>
            {
                diagnostics.Set("TraceId", System.Diagnostics.Activity.Current?.TraceId.ToString() ?? http.TraceIdentifier);
                if (http.User.FindFirst("sub")?.Value is { } userId)
                    diagnostics.Set("UserId", userId);
            };
            options.GetLevel = (http, _, exception) =>
                exception is not null || http.Response.StatusCode >= 500 ? LogEventLevel.Error : LogEventLevel.Information;
        });
        return app;
    }
}
