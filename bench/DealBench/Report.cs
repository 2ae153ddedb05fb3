using System.Globalization;
using System.Text;
using System.Text.Json;
using Harness;

namespace DealBench;

/// <summary>One run's figures, targets and round-trip breakdown, as JSON and as the Markdown summary.</summary>
public sealed class Report(DateTimeOffset started, string command, string postgresSource, string postgresVersion, string synchronousCommit,
    int cores, string loadBefore, string loadAfter, WindowResult baseline, WindowResult flow, IReadOnlyList<WindowResult> flowCeilings, WindowResult get,
    IReadOnlyList<WindowResult> getByLoad, RoundTripResult roundTrips)
{
    public const double RatioTarget = 0.60;
    public const double GetP99TargetMs = 5.0;

    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web) { WriteIndented = true };

    /// <summary>The target's ratio: only a run without errors in either window counts.</summary>
    public double? Ratio => baseline.Errors == 0 && flow.Errors == 0 ? Share(flow) : null;

    public double? GetP99 => get.Kinds.FirstOrDefault()?.P99Ms;

    public bool RatioPassed => Ratio >= RatioTarget;

    public bool GetPassed => get.Errors == 0 && GetP99 <= GetP99TargetMs;

    public bool AllPassed => RatioPassed && GetPassed;

    public string Verdict =>
        $"deals: deal flow {flow.RequestsPerSecond:N0} req/s / grain write {baseline.RequestsPerSecond:N0} req/s = {Pct(Ratio)} (target ≥ {RatioTarget:P0}: {Mark(RatioPassed)}); embedded GET p99 {GetP99} ms (target ≤ {GetP99TargetMs} ms: {Mark(GetPassed)})";

    /// <summary>What each PostgreSQL commit of a request is, read from the grains (see bench/README.md).</summary>
    public static readonly IReadOnlyDictionary<string, string> Breakdown = new Dictionary<string, string>(StringComparer.Ordinal)
    {
        ["create"] = DealPaths.Create,
        ["add_item"] = DealPaths.AddItem,
        ["transition"] = DealPaths.Transition,
        ["get"] = DealPaths.Get,
    };

    public async Task<(string Json, string Markdown)> WriteAsync(string directory)
    {
        Directory.CreateDirectory(directory);
        var stamp = started.ToString("yyyyMMdd'T'HHmmss'Z'", CultureInfo.InvariantCulture);
        var jsonPath = Path.Combine(directory, $"deals-{stamp}.json");
        var document = new
        {
            benchmark = "deals (issue #5)",
            startedUtc = started,
            command,
            machine = new { cores, loadAverageBefore = loadBefore, loadAverageAfter = loadAfter },
            postgres = new { source = postgresSource, version = postgresVersion, synchronousCommit },
            targets = new
            {
                ratio = Ratio,
                ratioTarget = RatioTarget,
                ratioPassed = RatioPassed,
                embeddedGetP99Ms = GetP99,
                embeddedGetP99TargetMs = GetP99TargetMs,
                embeddedGetPassed = GetPassed,
            },
            baseline,
            dealFlow = flow,
            dealFlowCeilings = flowCeilings,
            embeddedGet = get,
            embeddedGetByLoad = getByLoad,
            roundTrips,
            roundTripBreakdown = Breakdown,
        };
        await File.WriteAllTextAsync(jsonPath, JsonSerializer.Serialize(document, Json));
        var mdPath = Path.Combine(directory, "deals-latest.md");
        await File.WriteAllTextAsync(mdPath, Markdown(Path.GetFileName(jsonPath)));
        return (jsonPath, mdPath);
    }

    private string Markdown(string jsonName)
    {
        var md = new StringBuilder();
        md.AppendLine(CultureInfo.InvariantCulture, $"# Deal benchmark: {started:yyyy-MM-dd HH:mm} UTC");
        md.AppendLine();
        md.AppendLine(CultureInfo.InvariantCulture, $"`{command}` — full figures in `{jsonName}`. {cores} cores, load average {loadBefore} before, {loadAfter} after; PostgreSQL {postgresVersion} ({postgresSource}), `synchronous_commit = {synchronousCommit}`.");
        md.AppendLine();
        md.AppendLine("## Targets");
        md.AppendLine();
        md.AppendLine("| target | measured | result |");
        md.AppendLine("|---|---|---|");
        md.AppendLine(CultureInfo.InvariantCulture, $"| deal flow req/s ≥ {RatioTarget:P0} of plain grain write | {flow.RequestsPerSecond:N0} / {baseline.RequestsPerSecond:N0} = **{Pct(Ratio)}** | {Mark(RatioPassed)} |");
        md.AppendLine(CultureInfo.InvariantCulture, $"| embedded deal GET p99 ≤ {GetP99TargetMs} ms | **{GetP99} ms** ({get.RequestsPerSecond:N0} req/s) | {Mark(GetPassed)} |");
        md.AppendLine();
        md.AppendLine(CultureInfo.InvariantCulture, $"## Throughput and latency ({flow.Connections} connections, closed loop, {flow.Seconds:0} s windows)");
        md.AppendLine();
        md.AppendLine("| scenario | request | req/s | errors | p50 ms | p90 ms | p99 ms | max ms |");
        md.AppendLine("|---|---|---|---|---|---|---|---|");
        foreach (var window in Windows)
        {
            if (window.Kinds.Count > 1)
            {
                md.AppendLine(CultureInfo.InvariantCulture, $"| {window.Scenario} | **all** | **{window.RequestsPerSecond:N0}** | {window.Errors} | | | | |");
            }
            foreach (var k in window.Kinds)
            {
                md.AppendLine(CultureInfo.InvariantCulture, $"| {window.Scenario} | {k.Kind} | {k.RequestsPerSecond:N0} | {k.Errors} | {k.P50Ms} | {k.P90Ms} | {k.P99Ms} | {k.MaxMs} |");
            }
        }
        md.AppendLine();
        md.AppendLine("Where the deal flow's cost is: the same flow on servers that skip some of its writes. Measurements only, not modes of the product:");
        md.AppendLine();
        md.AppendLine("| scenario | what it keeps in PostgreSQL | req/s | share of plain grain write |");
        md.AppendLine("|---|---|---|---|");
        md.AppendLine(CultureInfo.InvariantCulture, $"| {flow.Scenario} | everything (the product) | {flow.RequestsPerSecond:N0} | {Pct(Share(flow))} |");
        foreach (var w in flowCeilings)
        {
            var kept = w.Scenario.EndsWith("state-only", StringComparison.Ordinal)
                ? "grain state only (projections, audit, event log in memory)"
                : "nothing (embedded silo, every store in memory)";
            md.AppendLine(CultureInfo.InvariantCulture, $"| {w.Scenario} | {kept} | {w.RequestsPerSecond:N0} | {Pct(Share(w))} |");
        }
        md.AppendLine();
        md.AppendLine("Embedded deal GET latency by load (closed loop; the target is judged at the 64 connections every other window uses):");
        md.AppendLine();
        md.AppendLine("| connections | req/s | p50 ms | p90 ms | p99 ms | max ms |");
        md.AppendLine("|---|---|---|---|---|---|");
        foreach (var w in getByLoad.Append(get).OrderBy(w => w.Connections))
        {
            var k = w.Kinds[0];
            md.AppendLine(CultureInfo.InvariantCulture, $"| {w.Connections} | {w.RequestsPerSecond:N0} | {k.P50Ms} | {k.P90Ms} | {k.P99Ms} | {k.MaxMs} |");
        }
        md.AppendLine();
        md.AppendLine("CPU during each window (cores; server = the process under test, driver = this load generator):");
        md.AppendLine();
        md.AppendLine("| scenario | server | PostgreSQL | driver | other | machine | server µs/req | PostgreSQL µs/req | JIT methods in window |");
        md.AppendLine("|---|---|---|---|---|---|---|---|---|");
        foreach (var w in Windows)
        {
            var perRequest = w.RequestsPerSecond > 0 ? 1_000_000 / w.RequestsPerSecond : 0;
            md.AppendLine(CultureInfo.InvariantCulture, $"| {w.Scenario} | {w.Cpu.ServerCores} | {w.Cpu.PostgresCores} | {w.Cpu.DriverCores} | {w.Cpu.OtherCores} | {w.Cpu.MachineCores} | {w.Cpu.ServerCores * perRequest:F0} | {w.Cpu.PostgresCores * perRequest:F0} | {w.JitMethodsInWindow} |");
        }
        md.AppendLine();
        md.AppendLine(CultureInfo.InvariantCulture, $"## PostgreSQL round trips per request (cluster ApiHost, {roundTrips.Kinds.FirstOrDefault()?.Requests} requests of each kind, one at a time, nothing else running)");
        md.AppendLine();
        md.AppendLine(CultureInfo.InvariantCulture, $"Commits from `pg_stat_database.xact_commit` minus the idle server's background ({roundTrips.IdleCommitsPerSecond} commits/s over {roundTrips.IdleSeconds} s); Npgsql operations (commands and batches sent; a batch of several statements is one) from the measurements of `db.client.operation.duration` in the server's `Npgsql` meter, background subtracted the same way. An explicit transaction is one commit but several operations.");
        md.AppendLine();
        md.AppendLine("| request | commits/request | rollbacks | mean latency alone (ms) | Npgsql operations/request | what the commits are |");
        md.AppendLine("|---|---|---|---|---|---|");
        foreach (var k in roundTrips.Kinds)
        {
            // One measurement of the duration histogram per operation (command or batch) sent; the other instruments are in the JSON.
            var npgsql = k.NpgsqlPerRequest.Where(kv => kv.Key.EndsWith(".duration", StringComparison.Ordinal) && !kv.Key.Contains("connection", StringComparison.Ordinal))
                .Select(kv => kv.Value.ToString(CultureInfo.InvariantCulture)).FirstOrDefault() ?? "n/a";
            var what = Breakdown.TryGetValue(k.Kind, out var text) ? text : "";
            md.AppendLine(CultureInfo.InvariantCulture, $"| {k.Kind} | **{k.CommitsPerRequest}** | {k.Rollbacks} | {k.MeanLatencyMs} | {npgsql} | {what} |");
        }
        var errors = Windows.SelectMany(w => w.ErrorSamples).ToList();
        if (errors.Count > 0)
        {
            md.AppendLine();
            md.AppendLine("## Error samples");
            md.AppendLine();
            foreach (var error in errors)
            {
                md.AppendLine(CultureInfo.InvariantCulture, $"- `{error.ReplaceLineEndings(" ")}`");
            }
        }
        return md.ToString();
    }

    private IEnumerable<WindowResult> Windows => [baseline, flow, .. flowCeilings, get];

    /// <summary>A window's req/s as a share of the baseline's.</summary>
    private double? Share(WindowResult w) => baseline.RequestsPerSecond > 0 ? Math.Round(w.RequestsPerSecond / baseline.RequestsPerSecond, 3) : null;

    private static string Pct(double? ratio) => ratio is { } r ? r.ToString("P1", CultureInfo.InvariantCulture) : "n/a";

    private static string Mark(bool pass) => Stats.Mark(pass);
}
