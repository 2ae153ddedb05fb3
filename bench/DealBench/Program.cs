using DealBench;
using Harness;

// The deal benchmark (issue #5). Two roles in one program: the driver (default) starts servers as child processes
// (this DLL with --server, and the foundation bench's grain-write server), loads them over loopback HTTP and writes
// the results; --server is the ApiHost pipeline on a cluster-mode or embedded silo. Normally run through bench/bench.sh deals.
var options = BenchArgs.Parse(args);
return options.Has("server") ? await DealServer.RunAsync(options) : await Driver.RunAsync(options);
