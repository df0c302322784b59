using System.Diagnostics;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;

namespace SupportDesk.Bench;

public sealed record Route(string Name, string PathAndQuery);

public sealed record Measurement(string Route, string Role, int Requests, int Errors, double P50, double P95, double P99, double Max, double MeanHits, IReadOnlyList<(double Ms, string Query)> Slowest);

/// <summary>Times real HTTP requests, one at a time, against the running service.</summary>
public sealed class LatencyRunner(HttpClient http, Action<string> log)
{
    public async Task<string> LoginAsync(string email, string password)
    {
        var response = await http.PostAsJsonAsync("/auth/login", new { email, password });
        response.EnsureSuccessStatusCode();
        using var json = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        return json.RootElement.GetProperty("access_token").GetString()!;
    }

    /// <summary>Whether GET /tickets?q= filters in this build (it arrives with the tickets work): a nonsense word finds nothing.</summary>
    public async Task<bool> TicketSearchExistsAsync(string token)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, "/tickets?q=zzqxjvnonexistent&limit=1");
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        using var response = await http.SendAsync(request);
        if (response.StatusCode != HttpStatusCode.OK)
            return false;
        using var json = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        return json.RootElement.TryGetProperty("total", out var total) && total.GetInt64() == 0;
    }

    public async Task<Measurement> MeasureAsync(Route route, string role, string token, IReadOnlyList<string> queries, int warmup)
    {
        var latencies = new List<double>(queries.Count);
        var timed = new List<(double Ms, string Query)>(queries.Count);
        var errors = 0;
        long hits = 0;
        for (var i = -warmup; i < queries.Count; i++)
        {
            var query = queries[(i + queries.Count) % queries.Count];
            using var request = new HttpRequestMessage(HttpMethod.Get, string.Format(route.PathAndQuery, Uri.EscapeDataString(query)));
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
            var watch = Stopwatch.StartNew();
            using var response = await http.SendAsync(request);
            var body = await response.Content.ReadAsByteArrayAsync();
            watch.Stop();
            if (i < 0)
                continue;
            latencies.Add(watch.Elapsed.TotalMilliseconds);
            timed.Add((watch.Elapsed.TotalMilliseconds, query));
            if (!response.IsSuccessStatusCode)
            {
                errors++;
                if (errors <= 3)
                    log($"  {route.Name} as {role}: {(int)response.StatusCode} for '{query}': {System.Text.Encoding.UTF8.GetString(body)[..Math.Min(200, body.Length)]}");
                continue;
            }
            using var json = JsonDocument.Parse(body);
            hits += json.RootElement.GetProperty("items").GetArrayLength();
        }
        latencies.Sort();
        return new Measurement(route.Name, role, latencies.Count, errors,
            Percentile(latencies, 0.50), Percentile(latencies, 0.95), Percentile(latencies, 0.99), latencies[^1],
            (double)hits / Math.Max(1, latencies.Count - errors), timed.OrderByDescending(t => t.Ms).Take(8).ToList());
    }

    private static double Percentile(List<double> sorted, double p) =>
        sorted[Math.Clamp((int)Math.Ceiling(p * sorted.Count) - 1, 0, sorted.Count - 1)];
}
