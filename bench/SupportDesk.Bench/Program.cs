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
    ["reports", .. var rest] => await ReportsBench.RunAsync(rest),
    ["inbound", .. var rest] => await InboundBench.RunAsync(rest),
    ["views", .. var rest] => await ViewsBench.RunAsync(rest),
    ["throughput", .. var rest] => await ThroughputBench.RunAsync(rest),
    // The throughput mode starts this program again as the bare floor it compares the service with.
    ["bare-host", .. var rest] => await BareHost.RunAsync(rest),
    _ => await ThroughputBench.RunAsync(args),
};
