using System.Globalization;
using SupportDesk.Bench;

// scripts/bench [throughput|search|ws] [options]: throughput (the default) measures the service against the same SQL
// run directly, search the search routes' latency, ws WebSocket fan-out latency and memory. See bench/README.md.
CultureInfo.DefaultThreadCurrentCulture = CultureInfo.InvariantCulture;
CultureInfo.CurrentCulture = CultureInfo.InvariantCulture;
return args switch
{
    ["search", .. var rest] => await SearchBench.RunAsync(rest),
    ["ws", .. var rest] => await WsBench.RunAsync(rest),
    ["inbound", .. var rest] => await InboundBench.RunAsync(rest),
    ["throughput", .. var rest] => await ThroughputBench.RunAsync(rest),
    _ => await ThroughputBench.RunAsync(args),
};
