using System.Globalization;
using System.Runtime;
using System.Runtime.InteropServices;
using System.Text;
using Harness;

namespace WebhookBench;

/// <summary>Writes <c>webhooks-&lt;UTC&gt;.json</c> (everything) and <c>webhooks-latest.md</c> (the summary).</summary>
public sealed class Report(
    DateTimeOffset started, string command, string postgresSource, string synchronousCommit, int payloadBytes, string loadBefore,
    string loadAfter, RawResult raw, RawResult rawAfter, DeliveredResult delivered, FanOutResult fanOut, SignatureCheck signatures)
{
    public const double TargetDeliveriesPerSecond = 3000;
    public const double TargetRatio = 0.30;

    // The raw loop runs before and after the delivered window; the ratio is against their mean, so a drift in what
    // this shared machine delivers over the run (other tenants of the host) weighs on both sides alike.
    private double RawRate => (raw.RequestsPerSecond + rawAfter.RequestsPerSecond) / 2;

    private double Ratio => RawRate > 0 ? delivered.DeliveriesPerSecond / RawRate : 0;

    // CPU µs per operation in this process plus PostgreSQL: comparable across runs even when others load the machine.
    private static double? MicrosPer(CpuSplit cpu, double perSecond) =>
        perSecond > 0 ? Math.Round((cpu.BenchProcessCores + cpu.PostgresCores) * 1e6 / perSecond, 1) : null;

    private double? RawMicros => MicrosPer(raw.Cpu, raw.RequestsPerSecond) is { } before && MicrosPer(rawAfter.Cpu, rawAfter.RequestsPerSecond) is { } after
        ? Math.Round((before + after) / 2, 1)
        : null;

    private double? DeliveryMicros => MicrosPer(delivered.Cpu, delivered.DeliveriesPerSecond);

    private double? CpuRatio => RawMicros / DeliveryMicros is { } r ? Math.Round(r, 3) : null;

    private bool ThroughputPass => delivered.DeliveriesPerSecond >= TargetDeliveriesPerSecond;

    private bool RatioPass => Ratio >= TargetRatio;

    // A run that lost or left a delivery unsettled proves nothing about throughput.
    private bool DeliveredComplete => delivered.Received >= delivered.Expected &&
        delivered.RowStatuses.GetValueOrDefault("success") == delivered.Expected && delivered.RowStatuses.Values.Sum() == delivered.Expected;

    private bool SignaturesPass => signatures.Sampled > 0 && signatures.Invalid == 0;

    public bool AllPassed => ThroughputPass && RatioPass && DeliveredComplete && fanOut.Pass && SignaturesPass;

    public string Verdict =>
        $"webhooks: {Mark(ThroughputPass)} {delivered.DeliveriesPerSecond:N0} deliveries/s (target {TargetDeliveriesPerSecond:N0}); " +
        $"{Mark(RatioPass)} {Ratio:P0} of raw (target {TargetRatio:P0}); {Mark(DeliveredComplete)} delivered run complete; " +
        $"{Mark(fanOut.Pass)} fan-out; {Mark(SignaturesPass)} signatures";

    public Task<(string Json, string Markdown)> WriteAsync(string directory)
    {
        var document = new
        {
            started,
            command,
            machine = new
            {
                cores = Environment.ProcessorCount,
                os = RuntimeInformation.OSDescription,
                runtime = RuntimeInformation.FrameworkDescription,
                serverGc = GCSettings.IsServerGC,
                loadAverageBefore = loadBefore,
                loadAverageAfter = loadAfter,
            },
            postgres = new { source = postgresSource, synchronousCommit },
            payloadBytes,
            targets = new { deliveriesPerSecond = TargetDeliveriesPerSecond, ratioToRaw = TargetRatio },
            raw,
            rawAfter,
            rawMeanRequestsPerSecond = Math.Round(RawRate),
            delivered,
            ratio = Math.Round(Ratio, 3),
            cpuMicrosPerRawRequest = RawMicros,
            cpuMicrosPerDelivery = DeliveryMicros,
            cpuNormalizedRatio = CpuRatio,
            fanOut,
            signatures,
            passed = new
            {
                throughput = ThroughputPass,
                ratio = RatioPass,
                deliveredComplete = DeliveredComplete,
                fanOut = fanOut.Pass,
                signatures = SignaturesPass,
            },
        };
        return ReportFiles.WriteAsync(directory, "webhooks", started, document, Markdown);
    }

    private string Markdown(string jsonName)
    {
        var c = CultureInfo.InvariantCulture;
        var md = new StringBuilder();
        md.AppendLine("# Webhook delivery: throughput and fan-out");
        md.AppendLine();
        md.AppendLine(c, $"Generated {started:yyyy-MM-dd HH:mm} UTC by `{command}`; {Environment.ProcessorCount} cores, " +
                         $"{RuntimeInformation.OSDescription}, {RuntimeInformation.FrameworkDescription}, server GC {GCSettings.IsServerGC}. " +
                         $"Load average before {loadBefore}, after {loadAfter} (the machine is shared). Full figures: `{jsonName}`.");
        md.AppendLine();
        md.AppendLine(c, $"One process hosts a cluster-mode silo (`ConfigureClusterSilo`, PostgreSQL {postgresSource}, " +
                         $"`synchronous_commit = {synchronousCommit}`), the Kestrel receiver on loopback and the load. " +
                         $"Deliveries are counted where the receiver got them; payloads are {payloadBytes} bytes.");
        md.AppendLine();
        md.AppendLine("| | figure | target | result |");
        md.AppendLine("|---|---|---|---|");
        md.AppendLine(c, $"| raw loopback POSTs ({raw.Concurrency} concurrent), before / after the delivered run | {raw.RequestsPerSecond:N0} / {rawAfter.RequestsPerSecond:N0} req/s, mean {RawRate:N0} | | |");
        md.AppendLine(c, $"| signed, persisted deliveries | {delivered.DeliveriesPerSecond:N0} /s | ≥ {TargetDeliveriesPerSecond:N0} /s | {Mark(ThroughputPass)} |");
        md.AppendLine(c, $"| deliveries / raw (mean) | {Ratio:P1} | ≥ {TargetRatio:P0} | {Mark(RatioPass)} |");
        md.AppendLine(c, $"| append → receipt latency | p50 {delivered.LatencyP50Ms} ms, p99 {delivered.LatencyP99Ms} ms | | |");
        md.AppendLine(c, $"| `Append` call ({delivered.EventsPerAppend} events; returns once logged, the hand-off of {delivered.EventsPerAppend * delivered.EndpointsPerPartition:N0} deliveries follows) | p50 {delivered.AppendP50Ms} ms, p99 {delivered.AppendP99Ms} ms | | |");
        md.AppendLine(c, $"| fan-out: {fanOut.Endpoints:N0} endpoints × {fanOut.Events} events | {fanOut.Distinct:N0} distinct receipts of {fanOut.Expected:N0}, " +
                         $"{fanOut.Missing} missing, {fanOut.Duplicates} duplicates; all received in {fanOut.AllReceivedSeconds:F2} s, " +
                         $"all rows success at {fanOut.AllRowsSuccessSeconds:F2} s | 0 losses, every row success | {Mark(fanOut.Pass)} |");
        md.AppendLine(c, $"| signatures (HMAC-SHA256 checked at the receiver) | {signatures.Valid}/{signatures.Sampled} valid | all | {Mark(SignaturesPass)} |");
        md.AppendLine();
        md.AppendLine("## Delivered run");
        md.AppendLine();
        md.AppendLine(c, $"- {delivered.Partitions} partitions × {delivered.EndpointsPerPartition} endpoints (all `*`, max_in_flight 8), " +
                         $"{delivered.EventsPerAppend} events per `Append`; each partition's appender waits while {delivered.MaxOutstandingPerPartition:N0} " +
                         $"of its deliveries are unreceived. {delivered.WarmupSeconds:F0} s warm-up, then a {delivered.Seconds:F1} s window: " +
                         $"{delivered.Deliveries:N0} deliveries, {delivered.AppendCalls:N0} appends ({delivered.AppendsPerSecond} /s).");
        md.AppendLine(c, $"- Latency is from just before the `Append` call to the receiver's handler, for deliveries received in the window " +
                         $"({delivered.LatencySamples:N0} samples); it includes the time a delivery waits behind the outstanding backlog.");
        md.AppendLine(c, $"- After the window the appenders stop and the backlog drains ({delivered.DrainSeconds:F1} s): received " +
                         $"{delivered.Received:N0} of {delivered.Expected:N0} ({delivered.Duplicates} duplicates overall); rows: " +
                         $"{string.Join(", ", delivered.RowStatuses.Select(kv => $"{kv.Key} {kv.Value:N0}"))}. {Mark(DeliveredComplete)}");
        md.AppendLine();
        md.AppendLine("## CPU during the windows (cores)");
        md.AppendLine();
        md.AppendLine("| window | bench process (silo + receiver + load) | PostgreSQL | other processes | machine | CPU µs per op (bench + PostgreSQL) |");
        md.AppendLine("|---|---|---|---|---|---|");
        md.AppendLine(c, $"| raw (before) | {raw.Cpu.BenchProcessCores} | {raw.Cpu.PostgresCores} | {raw.Cpu.OtherCores} | {raw.Cpu.MachineCores} | {MicrosPer(raw.Cpu, raw.RequestsPerSecond)} per request |");
        md.AppendLine(c, $"| raw (after) | {rawAfter.Cpu.BenchProcessCores} | {rawAfter.Cpu.PostgresCores} | {rawAfter.Cpu.OtherCores} | {rawAfter.Cpu.MachineCores} | {MicrosPer(rawAfter.Cpu, rawAfter.RequestsPerSecond)} per request |");
        md.AppendLine(c, $"| delivered | {delivered.Cpu.BenchProcessCores} | {delivered.Cpu.PostgresCores} | {delivered.Cpu.OtherCores} | {delivered.Cpu.MachineCores} | {DeliveryMicros} per delivery |");
        md.AppendLine();
        md.AppendLine(c, $"CPU-normalized ratio (mean raw µs per request / µs per delivery): {CpuRatio:P1}. It is what the ratio would be if both " +
                         $"windows had the same cores, which other processes on this shared machine do not guarantee; the targets are judged on the measured rates.");
        md.AppendLine();
        md.AppendLine(c, $"Fan-out setup: creating {fanOut.Endpoints:N0} endpoints took {fanOut.CreateSeconds:F1} s; the `Append` of {fanOut.Events} events " +
                         $"returned after {fanOut.AppendSeconds:F2} s (logged; the log hands the events to the endpoints after that).");
        md.AppendLine();
        md.AppendLine(c, $"Result: {Verdict["webhooks: ".Length..]}.");
        return md.ToString();
    }

    private static string Mark(bool pass) => Stats.Mark(pass);
}
