using System.Diagnostics;
using System.Net;
using System.Net.Sockets;

namespace SupportDesk.Bench;

/// <summary>The service as users run it: the Release build as its own process, real Kestrel, loopback only.</summary>
internal static class ServiceProcess
{
    public static int FreePort()
    {
        var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        return port;
    }

    /// <summary>
    /// Starts the service; <paramref name="environment"/> overrides the defaults (Production, LOG_LEVEL=warn). It inherits
    /// this process's environment except the variables in <paramref name="notInherited"/> (the bench's own runtime settings).
    /// </summary>
    public static Process Start(string dll, string connectionString, int port, Dictionary<string, string> environment, Action<string> log,
        IEnumerable<string>? notInherited = null, IEnumerable<string>? arguments = null, string label = "service")
    {
        var start = new ProcessStartInfo("dotnet", [dll, .. arguments ?? []])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var name in notInherited ?? [])
            start.Environment.Remove(name);
        start.Environment["DATABASE_URL"] = connectionString;
        start.Environment["ASPNETCORE_URLS"] = $"http://127.0.0.1:{port}";
        start.Environment["ASPNETCORE_ENVIRONMENT"] = "Production";
        start.Environment["JWT_SECRET"] = Convert.ToBase64String(System.Security.Cryptography.RandomNumberGenerator.GetBytes(48));
        start.Environment["LOG_LEVEL"] = "warn";
        foreach (var (key, value) in environment)
            start.Environment[key] = value;
        var process = Process.Start(start) ?? throw new InvalidOperationException("could not start the service");
        // Whatever happens to the benchmark (an exception, Ctrl+C), the service does not outlive it.
        AppDomain.CurrentDomain.ProcessExit += (_, _) => Stop(process);
        Console.CancelKeyPress += (_, _) => Stop(process);
        process.OutputDataReceived += (_, e) => { if (e.Data is { Length: > 0 } line && line.Contains("\"Error\"")) log($"{label}: {Cut(line)}"); };
        process.ErrorDataReceived += (_, e) => { if (e.Data is { Length: > 0 } line) log($"{label}: {Cut(line)}"); };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        log($"{label} pid {process.Id} on http://127.0.0.1:{port}");
        return process;
    }

    /// <summary>--service-env KEY=VALUE,KEY=VALUE: extra environment for the service.</summary>
    public static Dictionary<string, string> ParseEnvironment(string? pairs) =>
        (pairs ?? "").Split(',', StringSplitOptions.RemoveEmptyEntries)
            .Select(pair => pair.Split('=', 2)).ToDictionary(kv => kv[0].Trim(), kv => kv.Length > 1 ? kv[1] : "", StringComparer.Ordinal);

    private static string Cut(string line) => line.Length <= 400 ? line : line[..400] + "…";

    public static async Task WaitReadyAsync(HttpClient http, Process service, string path = "/health")
    {
        for (var i = 0; i < 240; i++)
        {
            if (service.HasExited)
                throw new InvalidOperationException($"the service exited with {service.ExitCode}");
            try
            {
                using var response = await http.GetAsync(path);
                if (response.IsSuccessStatusCode)
                    return;
            }
            catch (HttpRequestException)
            {
            }
            await Task.Delay(250);
        }
        throw new TimeoutException("the service did not become ready in 60 s");
    }

    public static void Stop(Process service)
    {
        try
        {
            if (service.HasExited)
                return;
            service.Kill(entireProcessTree: true);
            service.WaitForExit(10_000);
        }
        catch (InvalidOperationException)
        {
            // Already gone (or never started): nothing to stop.
        }
    }
}
