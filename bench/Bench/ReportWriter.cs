using System.Globalization;
using System.Text;
using Harness;
using static Harness.Stats;

namespace Bench;

/// <summary>Writes <c>foundation-&lt;UTC&gt;.json</c> (everything) and <c>foundation-latest.md</c> (the summary).</summary>
public static class ReportWriter
{
    public static Task<(string Json, string Markdown)> WriteAsync(BenchReport report, string directory) =>
        ReportFiles.WriteAsync(directory, "foundation", report.StartedUtc, report, json => Markdown(report, json));

    public static string SummaryTable(BenchReport report)
    {
        var sb = new StringBuilder();
        Scenarios(sb, report, withDescriptions: false);
        sb.AppendLine();
        Targets(sb, report);
        return sb.ToString();
    }

    private static string Markdown(BenchReport report, string jsonFile)
    {
        var sb = new StringBuilder();
        var inv = CultureInfo.InvariantCulture;
        sb.AppendLine("# Foundation benchmark: latest run");
        sb.AppendLine();
        sb.AppendLine(inv, $"Run {report.StartedUtc.UtcDateTime:yyyy-MM-dd HH:mm:ss} UTC ({(report.FinishedUtc - report.StartedUtc).TotalSeconds:0} s) with `{report.Command}`; every figure is in [`{jsonFile}`]({jsonFile}). See [`../README.md`](../README.md) for what each scenario measures.");
        sb.AppendLine();
        Scenarios(sb, report, withDescriptions: true);
        sb.AppendLine();
        sb.AppendLine("## Targets");
        sb.AppendLine();
        Targets(sb, report);
        sb.AppendLine();

        sb.AppendLine("## CPU during the measured windows");
        sb.AppendLine();
        sb.AppendLine(inv, $"Cores in use (CPU seconds per second, {report.Machine.Cores} cores in total). \"server\" is the server process(es), \"driver\" the load generator, \"other\" everything else on the machine.");
        sb.AppendLine();
        sb.AppendLine("| scenario | server | driver | postgres | other | server µs/req | of which kernel | postgres µs/req | server context switches/req |");
        sb.AppendLine("|---|---:|---:|---:|---:|---:|---:|---:|---:|");
        foreach (var s in report.Scenarios)
        {
            var c = s.Cpu;
            sb.AppendLine(inv, $"| {s.Name} | {F(c?.Server)} | {F(c?.Driver)} | {F(c?.Postgres)} | {F(c?.Other)} | {F(s.ServerCpuMicrosPerRequest, "0")} | {F(s.ServerKernelCpuMicrosPerRequest, "0")} | {F(s.PostgresCpuMicrosPerRequest, "0")} | {F(s.ServerContextSwitchesPerRequest, "0.0")} |");
        }
        sb.AppendLine();

        sb.AppendLine("## Setup");
        sb.AppendLine();
        var m = report.Machine;
        sb.AppendLine(inv, $"- Machine: {m.Cores} cores ({m.CpuModel ?? "unknown CPU"}), {F(m.MemoryGb, "0.#")} GB, {m.Os}; {m.Runtime}, SDK {m.Sdk ?? "unknown"}.");
        sb.AppendLine(inv, $"- Load average: {m.LoadAverageAtStart} at start, {m.LoadAverageAtEnd} at end.");
        var l = report.Load;
        sb.AppendLine(inv, $"- Load: {l.Connections} connections, {l.WarmupSeconds:0.#} s warm-up + {l.DurationSeconds:0.#} s measured per scenario, {l.Rounds} round(s); {l.Client}. GET ids over {l.Grains} pre-activated grains; write ids over {l.Keys} keys, each written once before measuring.");
        if (report.Postgres is { } pg)
        {
            sb.AppendLine(inv, $"- PostgreSQL {pg.Version} ({pg.Source}), fresh database `{pg.Database}`: synchronous_commit={pg.SynchronousCommit}, fsync={pg.Fsync}, shared_buffers={pg.SharedBuffers}, max_connections={pg.MaxConnections}.");
        }
        foreach (var s in report.Servers)
        {
            sb.Append(inv, $"- Server `{s.Scenario}`: {(s.ServerGc ? "server" : "workstation")} GC, {s.ProcessorCount} processors, min worker threads {s.MinWorkerThreads}");
            if (s.StorageSerializer is not null)
            {
                sb.Append(inv, $"; default grain storage `{s.StorageProvider}`, serializer `{s.StorageSerializer}`, stored payload {s.PayloadBytes} bytes (the direct write uses the same size); storage connection `{s.StorageConnectionString}`");
            }
            sb.AppendLine(".");
        }
        sb.AppendLine();

        if (report.Notes.Count > 0 || report.Failures.Count > 0)
        {
            sb.AppendLine("## Notes");
            sb.AppendLine();
            foreach (var note in report.Failures.Select(f => $"FAILED: {f}").Concat(report.Notes))
            {
                sb.AppendLine(inv, $"- {note}");
            }
            sb.AppendLine();
        }
        return sb.ToString();
    }

    private static void Scenarios(StringBuilder sb, BenchReport report, bool withDescriptions)
    {
        var inv = CultureInfo.InvariantCulture;
        sb.AppendLine(withDescriptions
            ? "| scenario | request | req/s | p50 ms | p99 ms | errors | what it measures |"
            : "| scenario | req/s | p50 ms | p99 ms | errors |");
        sb.AppendLine(withDescriptions ? "|---|---|---:|---:|---:|---:|---|" : "|---|---:|---:|---:|---:|");
        foreach (var s in report.Scenarios)
        {
            sb.AppendLine(withDescriptions
                ? string.Create(inv, $"| {s.Name} | `{s.Request}` | {s.RequestsPerSecond:0} | {s.P50Ms:0.00} | {s.P99Ms:0.00} | {s.Errors} | {s.Description} |")
                : string.Create(inv, $"| {s.Name} | {s.RequestsPerSecond:0} | {s.P50Ms:0.00} | {s.P99Ms:0.00} | {s.Errors} |"));
        }
    }

    private static void Targets(StringBuilder sb, BenchReport report)
    {
        var inv = CultureInfo.InvariantCulture;
        sb.AppendLine("| target | measured | goal | result |");
        sb.AppendLine("|---|---:|---:|---|");
        foreach (var r in report.Ratios)
        {
            sb.AppendLine(inv, $"| {r.Name} | {(r.Value is { } v ? Pct(v) : "n/a")} | ≥ {Pct(r.Target)} | {Stats.Mark(r.Pass)} |");
        }
        foreach (var c in report.Checks)
        {
            sb.AppendLine(inv, $"| {c.Name} | {F(c.ValueMs, "0.00")} ms | ≤ {c.LimitMs:0} ms | {Stats.Mark(c.Pass)} |");
        }
    }

    private static string Pct(double value) => (value * 100).ToString("0", CultureInfo.InvariantCulture) + "%";

}
