using System.Globalization;
using SupportDesk.Bench;

// scripts/bench (throughput: the service against the same SQL run directly) or scripts/search-bench (search latency).
CultureInfo.DefaultThreadCurrentCulture = CultureInfo.InvariantCulture;
CultureInfo.CurrentCulture = CultureInfo.InvariantCulture;
return args is ["search", .. var rest]
    ? await SearchBench.RunAsync(rest)
    : await ThroughputBench.RunAsync(args is ["throughput", .. var more] ? more : args);
