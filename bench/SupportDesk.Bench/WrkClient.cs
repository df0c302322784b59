using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Text.Json;

namespace SupportDesk.Bench;

/// <summary>One request as the external client sends it.</summary>
public sealed record WireRequest(string Method, string Path, IReadOnlyList<(string Name, string Value)> Headers, string? Body);

/// <summary>
/// The external client: wrk (C, event loop, one thread), so the load generator takes little of the cores the service
/// and PostgreSQL share. Each run gets a Lua script with the scenario's pre-built requests (the same draws as the
/// .NET client's) and a done() hook that prints the counts and percentiles as JSON.
/// </summary>
internal static class WrkClient
{
    public static bool Available(string wrk) =>
        Environment.GetEnvironmentVariable("PATH")?.Split(':').Any(d => File.Exists(Path.Combine(d, wrk))) == true || File.Exists(wrk);

    public static async Task<RunResult> RunAsync(string wrk, string name, Uri baseUri, int concurrency, int threads, TimeSpan warmup, TimeSpan duration,
        IReadOnlyList<WireRequest> requests, Action<string> log)
    {
        var script = Path.Combine(Path.GetTempPath(), $"supportdesk-wrk-{Environment.ProcessId}-{Guid.NewGuid():N}.lua");
        await File.WriteAllTextAsync(script, Script(requests));
        try
        {
            if (warmup > TimeSpan.Zero)
                await RunOnceAsync(wrk, script, baseUri, concurrency, threads, warmup, name + " [warm-up]", log);
            return await RunOnceAsync(wrk, script, baseUri, concurrency, threads, duration, name, log);
        }
        finally
        {
            File.Delete(script);
        }
    }

    private static async Task<RunResult> RunOnceAsync(string wrk, string script, Uri baseUri, int concurrency, int threads, TimeSpan duration,
        string name, Action<string> log)
    {
        var start = new ProcessStartInfo(wrk,
        [
            "-t", Math.Min(threads, concurrency).ToString(CultureInfo.InvariantCulture),
            "-c", concurrency.ToString(CultureInfo.InvariantCulture),
            "-d", $"{Math.Max(1, (int)Math.Round(duration.TotalSeconds)).ToString(CultureInfo.InvariantCulture)}s",
            "--timeout", "60s",
            "-s", script,
            baseUri.ToString().TrimEnd('/'),
        ])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        using var process = Process.Start(start) ?? throw new InvalidOperationException("could not start wrk");
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        var output = await stdout;
        var marker = output.IndexOf("WRKJSON ", StringComparison.Ordinal);
        if (process.ExitCode != 0 || marker < 0)
            throw new InvalidOperationException($"wrk failed ({process.ExitCode}): {output} {await stderr}");
        using var result = JsonDocument.Parse(output[(marker + 8)..].Split('\n')[0]);
        var r = result.RootElement;
        var seconds = r.GetProperty("duration_us").GetDouble() / 1e6;
        var requests = r.GetProperty("requests").GetInt64();
        var errors = r.GetProperty("status_errors").GetInt64() + r.GetProperty("socket_errors").GetInt64();
        if (errors > 0)
            log($"  {name}: wrk counted {errors} errors (non-2xx/3xx answers or socket errors)");
        double Ms(string key) => r.GetProperty(key).GetDouble() / 1000;
        // wrk counts every completed request; answers that were not 2xx/3xx are errors, not successes.
        return new RunResult(name, concurrency, seconds, requests - r.GetProperty("status_errors").GetInt64(), errors,
            Ms("p50_us"), Ms("p95_us"), Ms("p99_us"), Ms("max_us"));
    }

    private static string Lua(string value)
    {
        var sb = new StringBuilder("\"");
        foreach (var c in Encoding.UTF8.GetBytes(value))
        {
            if (c is (byte)'"' or (byte)'\\' || c < 32 || c > 126)
                sb.Append('\\').Append(c.ToString("D3", CultureInfo.InvariantCulture));
            else
                sb.Append((char)c);
        }
        return sb.Append('"').ToString();
    }

    private static string Script(IReadOnlyList<WireRequest> requests)
    {
        var lua = new StringBuilder();
        // Built in init(): wrk.format takes the Host header from wrk.headers, which is only set by then.
        lua.AppendLine("local reqs = {}");
        lua.AppendLine("local function build()");
        foreach (var request in requests)
        {
            var headers = request.Headers.Select(h => $"[{Lua(h.Name)}] = {Lua(h.Value)}").ToList();
            if (request.Body is not null)
                headers.Add($"[\"Content-Type\"] = \"application/json\"");
            lua.AppendLine(CultureInfo.InvariantCulture,
                $"reqs[#reqs + 1] = wrk.format({Lua(request.Method)}, {Lua(request.Path)}, {{ {string.Join(", ", headers)} }}, {(request.Body is null ? "nil" : Lua(request.Body))})");
        }
        lua.AppendLine("end");
        lua.AppendLine("""
            local n = 0
            local i = 0
            local counter = 0
            function setup(thread)
              thread:set("start", counter * 7919)
              counter = counter + 1
            end
            function init(args)
              build()
              n = #reqs
              i = (start or 0) % n
            end
            function request()
              i = i % n + 1
              return reqs[i]
            end
            function done(summary, latency, requests)
              io.write(string.format('WRKJSON {"requests":%d,"duration_us":%d,"status_errors":%d,"socket_errors":%d,"p50_us":%d,"p95_us":%d,"p99_us":%d,"max_us":%d}\n',
                summary.requests, summary.duration, summary.errors.status,
                summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout,
                latency:percentile(50), latency:percentile(95), latency:percentile(99), latency.max))
            end
            """);
        return lua.ToString();
    }
}
