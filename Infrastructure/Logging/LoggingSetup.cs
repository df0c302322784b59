using Serilog;
using Serilog.Extensions.Hosting;
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
            .WriteTo.Console(new RedactingFormatter(new RenderedCompactJsonFormatter()));
    }

    /// <summary>
    /// Serilog as a provider under the framework's LoggerFactory, which keeps one logger per category. Serilog's own
    /// factory (services.AddSerilog) builds a new logger and property cache on every CreateLogger call, and the
    /// authentication handler calls it on every request: two loggers per request, held for a WebSocket's lifetime.
    /// </summary>
    public static WebApplicationBuilder AddLogging(this WebApplicationBuilder builder, string? level)
    {
        var logger = Configure(new LoggerConfiguration(), level).CreateLogger();
        builder.Logging.ClearProviders();
        // Levels are Serilog's to decide (LOG_LEVEL and the overrides above); the framework passes everything on.
        builder.Logging.SetMinimumLevel(LogLevel.Trace);
        builder.Logging.AddSerilog(logger, dispose: true);
        // What UseSerilogRequestLogging needs, which services.AddSerilog would have registered.
        var diagnostics = new DiagnosticContext(logger);
        builder.Services.AddSingleton(diagnostics);
        builder.Services.AddSingleton<IDiagnosticContext>(diagnostics);
        builder.Services.AddSingleton<Serilog.ILogger>(logger);
        return builder;
    }

    /// <summary>One JSON line per request: method, path, status, elapsed ms, trace id.</summary>
    public static WebApplication UseRequestLogging(this WebApplication app)
    {
        app.UseSerilogRequestLogging(options =>
        {
            options.Logger = app.Services.GetRequiredService<Serilog.ILogger>();
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
