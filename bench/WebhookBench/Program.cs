using System.Diagnostics;
using Harness;
using WebhookBench;

// The webhook delivery benchmark (issue #4): raw loopback POSTs vs signed, persisted deliveries from one cluster-mode
// silo, plus a 1,000-endpoint fan-out checked for losses. Normally run through bench/bench.sh webhooks.
// Usage: dotnet WebhookBench.dll --postgres CS [--pg-data DIR] [--results DIR] [--duration S] [--warmup S]
//        [--partitions N] [--endpoints N] [--batch N] [--outstanding N] [--concurrency N] [--fanout-endpoints N]
//        [--fanout-events N] [--keep-db] [--command TEXT] [--postgres-source TEXT]
var options = BenchArgs.Parse(args);
var warmup = options.Seconds("warmup", 10);
var duration = options.Seconds("duration", 20);
var partitions = options.Int("partitions", 4);
var endpoints = options.Int("endpoints", 25);
var batch = options.Int("batch", 50);
// One batch per partition: the next Append (stored, fanned out) overlaps the delivery of the previous one, so
// slots stay busy while each endpoint's queue (and the latency it adds) stays at one to two batches.
var outstanding = options.Int("outstanding", batch * endpoints);
// The product's sender pools at most 64 connections per receiver (WebhookTargetGuard.CreateHandler): the raw loop gets as many.
var concurrency = options.Int("concurrency", 64);
var fanOutEndpoints = options.Int("fanout-endpoints", 1000);
var fanOutEvents = options.Int("fanout-events", 10);
var started = DateTimeOffset.UtcNow;
var loadBefore = MachineInfo.LoadAverage();

await using var database = await BenchDatabase.CreateAsync(options.RequirePostgres(), "whbench", options.Has("keep-db"));
Console.WriteLine($"webhooks: database {database.Name}; load average {loadBefore}");
var machine = new CpuProbe([], options.PostmasterPid);
await using var receiver = await Receiver.StartAsync(partitions + 1);
await using var silo = await ClusterSilo.StartAsync(database.ConnectionString);
var scenarios = new Scenarios(silo, database.ConnectionString, receiver, machine);
var synchronousCommit = await database.ScalarAsync("SHOW synchronous_commit");
Console.WriteLine($"webhooks: silo up, receiver on 127.0.0.1:{receiver.Port}, synchronous_commit={synchronousCommit}, payload {Scenarios.PayloadBytes()} B");

var setup = Stopwatch.StartNew();
for (var p = 0; p < partitions; p++)
{
    await scenarios.CreateEndpointsAsync(p, endpoints);
}
Console.WriteLine($"webhooks: {partitions} x {endpoints} endpoints created in {setup.Elapsed.TotalSeconds:F1} s");

var raw = await scenarios.RawAsync(concurrency, TimeSpan.FromSeconds(Math.Min(5, warmup.TotalSeconds)), duration);
Console.WriteLine($"webhooks: raw {raw.RequestsPerSecond:N0} req/s ({raw.Requests:N0} in {raw.Seconds} s, {raw.Errors} errors)");

var delivered = await scenarios.DeliveredAsync(partitions, endpoints, batch, outstanding, warmup, duration, TimeSpan.FromSeconds(120));
Console.WriteLine($"webhooks: delivered {delivered.DeliveriesPerSecond:N0}/s, p50 {delivered.LatencyP50Ms} ms, p99 {delivered.LatencyP99Ms} ms; " +
                  $"received {delivered.Received:N0}/{delivered.Expected:N0}, rows {string.Join(", ", delivered.RowStatuses.Select(kv => $"{kv.Key}={kv.Value}"))}");

var rawAfter = await scenarios.RawAsync(concurrency, TimeSpan.FromSeconds(Math.Min(5, warmup.TotalSeconds)), duration);
Console.WriteLine($"webhooks: raw after {rawAfter.RequestsPerSecond:N0} req/s ({rawAfter.Requests:N0} in {rawAfter.Seconds} s, {rawAfter.Errors} errors)");

var fanOut = await scenarios.FanOutAsync(partitions, fanOutEndpoints, fanOutEvents, TimeSpan.FromSeconds(180));
Console.WriteLine($"webhooks: fan-out {fanOut.Distinct:N0}/{fanOut.Expected:N0} distinct in {fanOut.AllReceivedSeconds} s, " +
                  $"rows {string.Join(", ", fanOut.RowStatuses.Select(kv => $"{kv.Key}={kv.Value}"))} at {fanOut.AllRowsSuccessSeconds} s");

var signatures = scenarios.VerifySignatures();
Console.WriteLine($"webhooks: signatures {signatures.Valid}/{signatures.Sampled} valid");

var report = new Report(started, options.String("command", "bash bench/bench.sh webhooks"), options.PostgresSource,
    synchronousCommit, Scenarios.PayloadBytes(), loadBefore, MachineInfo.LoadAverage(), raw, rawAfter, delivered, fanOut, signatures);
var (json, markdown) = await report.WriteAsync(options.ResultsDirectory);
Console.WriteLine($"webhooks: wrote {json} and {markdown}");
Console.WriteLine(report.Verdict);
return report.AllPassed ? 0 : 2;
