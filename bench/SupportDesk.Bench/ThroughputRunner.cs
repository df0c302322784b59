using System.Diagnostics;

namespace SupportDesk.Bench;

/// <summary>What one run of one scenario measured. Latencies in ms; requests/s counts successful requests only.</summary>
public sealed record RunResult(string Name, int Concurrency, double Seconds, long Ok, long Errors, double P50, double P95, double P99, double Max)
{
    public double PerSecond => Ok / Seconds;
}

/// <summary>
/// Calls an operation from <c>concurrency</c> workers back to back for a warm-up and then a fixed time. Only calls
/// that start and end inside the measured window count. Worker i draws its parameters from Random(seed + i), so two
/// runs with the same seed (the service and its baseline) ask for the same things in the same order.
/// </summary>
public static class ThroughputRunner
{
    /// <summary>The operation answers true for success; false or an exception is an error (never dropped).</summary>
    public static async Task<RunResult> RunAsync(string name, int concurrency, TimeSpan warmup, TimeSpan duration, int seed,
        Func<Random, Task<bool>> operation, Action<string> log)
    {
        var frequency = (double)Stopwatch.Frequency;
        var begin = Stopwatch.GetTimestamp();
        var measureFrom = begin + (long)(warmup.TotalSeconds * frequency);
        var measureTo = measureFrom + (long)(duration.TotalSeconds * frequency);
        var latencies = new List<double>[concurrency];
        var errors = new long[concurrency];
        var logged = 0;

        await Task.WhenAll(Enumerable.Range(0, concurrency).Select(worker => Task.Run(async () =>
        {
            var random = new Random(seed + worker);
            var mine = latencies[worker] = new List<double>(4096);
            while (true)
            {
                var start = Stopwatch.GetTimestamp();
                if (start >= measureTo)
                    break;
                bool ok;
                try
                {
                    ok = await operation(random);
                }
                catch (Exception e)
                {
                    ok = false;
                    if (Interlocked.Increment(ref logged) <= 3)
                        log($"  {name}: {e.GetType().Name}: {e.Message}");
                }
                var end = Stopwatch.GetTimestamp();
                if (start < measureFrom || end > measureTo)
                    continue;
                if (ok)
                    mine.Add((end - start) * 1000 / frequency);
                else
                    errors[worker]++;
            }
        })));

        var all = latencies.SelectMany(l => l).ToArray();
        Array.Sort(all);
        return new RunResult(name, concurrency, duration.TotalSeconds, all.Length, errors.Sum(),
            Percentile(all, 0.50), Percentile(all, 0.95), Percentile(all, 0.99), all.Length == 0 ? 0 : all[^1]);
    }

    public static double Percentile(double[] sorted, double p) =>
        sorted.Length == 0 ? 0 : sorted[Math.Clamp((int)Math.Ceiling(p * sorted.Length) - 1, 0, sorted.Length - 1)];
}
