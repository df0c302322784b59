using System.Globalization;
using System.Text;

namespace SupportDesk.Bench;

public sealed record BenchReport(
    DateTime StartedUtc, int Cores, double LoadAverageBefore, double LoadAverageAfter, string Data, ThroughputOptions Options,
    IReadOnlyList<ScenarioRow> Scenarios, ScenarioRow? GetAlone, ScenarioRow? GetDuringLogin, RunResult? LoginDuringMix);

internal static class Markdown
{
    private const string Header = "| scenario | client | req/s | p50 ms | p95 ms | p99 ms | errors | bare req/s | service/bare (pairs) | sql req/s | sql p50 | sql p99 | service/sql | load |";
    private const string Rule = "|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|";

    public static string Row(ScenarioRow row)
    {
        var s = row.Service;
        var b = row.Baseline;
        var inv = CultureInfo.InvariantCulture;
        var bareRatio = row.BareRatio is not { } r ? "–"
            : row.BareRatioMin is { } min && row.BareRatioMax is { } max && max - min >= 0.005
                ? string.Create(inv, $"**{r * 100:F0}%** ({min * 100:F0}–{max * 100:F0}%)")
                : string.Create(inv, $"**{r * 100:F0}%**");
        return string.Create(inv, $"| {row.Scenario} | {row.Client} | {s.PerSecond:F0} | {s.P50:F1} | {s.P95:F1} | {s.P99:F1} | {s.Errors + (row.Bare?.Errors ?? 0)} | ")
            + (row.Bare is { } bare ? string.Create(inv, $"{bare.PerSecond:F0} | {bareRatio} | ") : "– | – | ")
            + (b is null ? "– | – | – | " : string.Create(inv, $"{b.PerSecond:F0} | {b.P50:F1} | {b.P99:F1} | "))
            + (row.Ratio is { } ratio ? string.Create(inv, $"{ratio * 100:F0}%") : "–") + string.Create(inv, $" | {row.LoadAverage:F1} |");
    }

    public static string Render(BenchReport report)
    {
        var o = report.Options;
        var md = new StringBuilder();
        md.AppendLine(CultureInfo.InvariantCulture, $"# SupportDesk benchmark, {report.StartedUtc:yyyy-MM-dd HH:mm} UTC{(o.Label is null ? "" : $" ({o.Label})")}").AppendLine();
        md.AppendLine(CultureInfo.InvariantCulture, $"{report.Data}. {report.Cores} cores, shared with the other users of the machine: load average {report.LoadAverageBefore:F1} at the start, {report.LoadAverageAfter:F1} at the end (the `load` column: at the start of each scenario). ");
        md.AppendLine(CultureInfo.InvariantCulture, $"Each scenario: {o.WarmupSeconds} s warm-up, then {o.Seconds} s measured at {o.Concurrency} concurrent clients over keep-alive HTTP to the Release build on 127.0.0.1 (client, service and PostgreSQL on the same cores), with the client(s) {string.Join(" and ", o.Clients)} (wrk: {o.WrkThreads} thread). ");
        md.AppendLine(CultureInfo.InvariantCulture, $"**bare** is the floor: a bare ASP.NET Core minimal API process (no auth, no middleware) over one NpgsqlDataSource with the service's pool settings, running the same statements{(o.BaselineUserCheck ? " (with the user check)" : "")} and writing the same JSON; it is measured in {o.Pairs} alternating pair(s) with the service (the service/bare ratio is the median pair's, with the range over the pairs). ");
        md.AppendLine(CultureInfo.InvariantCulture, $"**sql** runs the handlers' own SQL ({(o.BaselineUserCheck ? "the token's user-state check, then " : "")}the handler's statements and transaction{(o.BaselineUserCheck ? "" : "; not the user-state check, which the service answers from its cache")}) straight through Npgsql in the benchmark process, with the same parameters and concurrency. req/s counts successful requests; any non-2xx answer is an error. Latency is client-side, full response read.").AppendLine();
        md.AppendLine(Header);
        md.AppendLine(Rule);
        foreach (var row in report.Scenarios)
            md.AppendLine(Row(row));

        if (report.GetAlone is not null && report.GetDuringLogin is not null && report.LoginDuringMix is { } login)
        {
            md.AppendLine().AppendLine("## Other routes while login is hammered").AppendLine();
            md.AppendLine(Header);
            md.AppendLine(Rule);
            md.AppendLine(Row(report.GetAlone));
            md.AppendLine(Row(report.GetDuringLogin));
            md.AppendLine(string.Create(CultureInfo.InvariantCulture,
                $"| {login.Name} | dotnet | {login.PerSecond:F1} | {login.P50:F1} | {login.P95:F1} | {login.P99:F1} | {login.Errors} | – | – | – | – | – | – | |"));
        }

        return md.ToString();
    }
}
