using System.Globalization;
using System.Text;
using System.Text.Json;
using Harness;

namespace DealBench;

/// <summary>One run's figures and issue #12's targets, as JSON and as the Markdown summary.</summary>
public sealed class Report(DateTimeOffset started, string command, string postgresSource, string postgresVersion, string synchronousCommit,
    int cores, string loadBefore, string loadAfter, IReadOnlyList<WindowResult> flows, IReadOnlyList<WindowResult> peers, WindowResult noDatabase,
    IReadOnlyList<WindowResult> getByLoad, IReadOnlyList<WindowResult> rawByLoad, RoundTripResult roundTrips)
{
    public const double PeerRatioTarget = 1.5;
    public const double ServerMicrosTarget = 250;
    public const double PostgresMicrosTarget = 150;
    public const double GetP99TargetMs = 5.0;
    public const double GetShareOfRawTarget = 0.60;
    public const int JudgedConnections = 16;

    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web) { WriteIndented = true };

    public double FlowRate => Stats.Median(flows.Select(w => w.RequestsPerSecond));

    public double PeerRate => Stats.Median(peers.Select(w => w.RequestsPerSecond));

    /// <summary>Only windows without errors count.</summary>
    public double? PeerRatio => flows.Concat(peers).All(w => w.Errors == 0) && PeerRate > 0 ? Math.Round(FlowRate / PeerRate, 3) : null;

    public double ServerMicros => Stats.Median(flows.Select(w => ServerMicrosOf(w)));

    public double PostgresMicros => Stats.Median(flows.Select(w => PostgresMicrosOf(w)));

    private WindowResult JudgedGet => getByLoad.Single(w => w.Connections == JudgedConnections);

    private WindowResult JudgedRaw => rawByLoad.Single(w => w.Connections == JudgedConnections);

    public double? GetP99 => JudgedGet.Kinds.FirstOrDefault()?.P99Ms;

    public double? GetShareOfRaw => JudgedRaw.RequestsPerSecond > 0 ? Math.Round(JudgedGet.RequestsPerSecond / JudgedRaw.RequestsPerSecond, 3) : null;

    private IEnumerable<(string Target, string Measured, bool Passed)> Targets =>
    [
        ($"deal flow req/s ≥ {PeerRatioTarget}× the EF Core peer's (medians of {flows.Count} alternating pairs)",
            $"{FlowRate:N0} / {PeerRate:N0} = **{Stats.F(PeerRatio)}×**", PeerRatio >= PeerRatioTarget),
        ($"server CPU per deal request ≤ {ServerMicrosTarget} µs", $"**{ServerMicros:F0} µs** (peer: {Stats.Median(peers.Select(w => ServerMicrosOf(w))):F0})",
            ServerMicros <= ServerMicrosTarget),
        ($"PostgreSQL CPU per deal request ≤ {PostgresMicrosTarget} µs", $"**{PostgresMicros:F0} µs** (peer: {Stats.Median(peers.Select(w => PostgresMicrosOf(w))):F0})",
            PostgresMicros <= PostgresMicrosTarget),
        ($"embedded deal GET p99 at {JudgedConnections} connections ≤ {GetP99TargetMs} ms", $"**{GetP99} ms** ({JudgedGet.RequestsPerSecond:N0} req/s)",
            JudgedGet.Errors == 0 && GetP99 <= GetP99TargetMs),
        ($"embedded deal GET rate at {JudgedConnections} connections ≥ {GetShareOfRawTarget:P0} of raw Kestrel's",
            $"{JudgedGet.RequestsPerSecond:N0} / {JudgedRaw.RequestsPerSecond:N0} = **{Pct(GetShareOfRaw)}**", GetShareOfRaw >= GetShareOfRawTarget),
    ];

    public bool AllPassed => Targets.All(t => t.Passed);

    public string Verdict => "deals: " + string.Join("; ", Targets.Select(t => $"{t.Target}: {t.Measured.Replace("**", "", StringComparison.Ordinal)} {Stats.Mark(t.Passed)}"));

    /// <summary>What each PostgreSQL commit of a request is, read from the grains (see bench/README.md).</summary>
    public static readonly IReadOnlyDictionary<string, string> Breakdown = new Dictionary<string, string>(StringComparer.Ordinal)
    {
        ["create"] = DealPaths.Create,
        ["add_item"] = DealPaths.AddItem,
        ["transition"] = DealPaths.Transition,
    };

    public async Task<(string Json, string Markdown)> WriteAsync(string directory)
    {
        Directory.CreateDirectory(directory);
        var stamp = started.ToString("yyyyMMdd'T'HHmmss'Z'", CultureInfo.InvariantCulture);
        var jsonPath = Path.Combine(directory, $"deals-{stamp}.json");
        var document = new
        {
            benchmark = "deals (issue #12)",
            startedUtc = started,
            command,
            machine = new { cores, loadAverageBefore = loadBefore, loadAverageAfter = loadAfter },
            postgres = new { source = postgresSource, version = postgresVersion, synchronousCommit },
            targets = Targets.Select(t => new { target = t.Target, measured = t.Measured.Replace("**", "", StringComparison.Ordinal), passed = t.Passed }),
            flows,
            peers,
            noDatabase,
            getByLoad,
            rawByLoad,
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
        void Line(string text = "") => md.AppendLine(text);
        Line($"# Deal benchmark: {started:yyyy-MM-dd HH:mm} UTC");
        Line();
        Line($"`{command}` — full figures in `{jsonName}`. {cores} cores, load average {loadBefore} before, {loadAfter} after; PostgreSQL {postgresVersion} ({postgresSource}), `synchronous_commit = {synchronousCommit}`. The product runs in cluster mode (one co-hosted silo on PostgreSQL); the peer is `bench/DealPeer` (ASP.NET Core + EF Core 10, pooled context, compiled queries, one SaveChanges per request) on the same database server.");
        Line();
        Line("## Targets");
        Line();
        Line("| target | measured | result |");
        Line("|---|---|---|");
        foreach (var (target, measured, passed) in Targets)
        {
            Line($"| {target} | {measured} | {Stats.Mark(passed)} |");
        }
        Line();
        Line($"## Deal flow: product vs peer ({flows[0].Connections} connections, closed loop, {flows[0].Seconds:0} s windows, run in the order listed)");
        Line();
        Line("| window | request | req/s | errors | p50 ms | p90 ms | p99 ms | max ms | server cores | PostgreSQL cores | server µs/req | PostgreSQL µs/req |");
        Line("|---|---|---|---|---|---|---|---|---|---|---|---|");
        foreach (var window in flows.Zip(peers).SelectMany(p => new[] { p.First, p.Second }).Append(noDatabase))
        {
            Line($"| {window.Scenario} | **all** | **{window.RequestsPerSecond:N0}** | {window.Errors} | | | | | {window.Cpu.ServerCores} | {window.Cpu.PostgresCores} | {ServerMicrosOf(window):F0} | {PostgresMicrosOf(window):F0} |");
            foreach (var k in window.Kinds)
            {
                Line($"| | {k.Kind} | {k.RequestsPerSecond:N0} | {k.Errors} | {k.P50Ms} | {k.P90Ms} | {k.P99Ms} | {k.MaxMs} | | | | |");
            }
        }
        Line();
        Line("`deal-flow-no-database` is the same flow on an embedded silo (every store in memory): what the flow costs without PostgreSQL. A measurement, not a mode the product offers.");
        Line();
        Line("## Deal GET (embedded ApiHost) and raw Kestrel by load");
        Line();
        Line($"Raw Kestrel: the foundation bench's `/raw` (a minimal-API GET returning a small JSON object, no auth, no grain). The targets are judged at {JudgedConnections} connections, where the embedded server reaches its peak rate on this machine; 64 is kept for reference.");
        Line();
        Line("| connections | deal GET req/s | p50 ms | p90 ms | p99 ms | max ms | server µs/req | raw Kestrel req/s | raw p99 ms | GET share of raw |");
        Line("|---|---|---|---|---|---|---|---|---|---|");
        foreach (var (get, raw) in getByLoad.Zip(rawByLoad))
        {
            var k = get.Kinds[0];
            var share = raw.RequestsPerSecond > 0 ? get.RequestsPerSecond / raw.RequestsPerSecond : (double?)null;
            Line($"| {get.Connections} | {get.RequestsPerSecond:N0} | {k.P50Ms} | {k.P90Ms} | {k.P99Ms} | {k.MaxMs} | {ServerMicrosOf(get):F0} | {raw.RequestsPerSecond:N0} | {raw.Kinds[0].P99Ms} | {Pct(share)} |");
        }
        Line();
        Line($"## PostgreSQL round trips per request (cluster ApiHost, {roundTrips.Kinds.FirstOrDefault()?.Requests} requests of each kind, one at a time, nothing else running)");
        Line();
        Line($"Commits from `pg_stat_database.xact_commit` minus the idle server's background ({roundTrips.IdleCommitsPerSecond} commits/s over {roundTrips.IdleSeconds} s); Npgsql operations (commands and batches sent; a batch of several statements is one) from the measurements of `db.client.operation.duration` in the server's `Npgsql` meter, background subtracted the same way.");
        Line();
        Line("| request | commits/request | rollbacks | mean latency alone (ms) | Npgsql operations/request | what the commits are |");
        Line("|---|---|---|---|---|---|");
        foreach (var k in roundTrips.Kinds)
        {
            var npgsql = k.NpgsqlPerRequest.Where(kv => kv.Key.EndsWith(".duration", StringComparison.Ordinal) && !kv.Key.Contains("connection", StringComparison.Ordinal))
                .Select(kv => kv.Value.ToString(CultureInfo.InvariantCulture)).FirstOrDefault() ?? "n/a";
            var what = Breakdown.TryGetValue(k.Kind, out var text) ? text : "";
            Line($"| {k.Kind} | **{k.CommitsPerRequest}** | {k.Rollbacks} | {k.MeanLatencyMs} | {npgsql} | {what} |");
        }
        var errors = flows.Concat(peers).Append(noDatabase).Concat(getByLoad).Concat(rawByLoad).SelectMany(w => w.ErrorSamples).ToList();
        if (errors.Count > 0)
        {
            Line();
            Line("## Error samples");
            Line();
            foreach (var error in errors)
            {
                Line($"- `{error.ReplaceLineEndings(" ")}`");
            }
        }
        return md.ToString();
    }

    private static double ServerMicrosOf(WindowResult w) => w.RequestsPerSecond > 0 ? w.Cpu.ServerCores * 1_000_000 / w.RequestsPerSecond : 0;

    private static double PostgresMicrosOf(WindowResult w) => w.RequestsPerSecond > 0 ? w.Cpu.PostgresCores * 1_000_000 / w.RequestsPerSecond : 0;


    private static string Pct(double? ratio) => Stats.F(ratio, "P1");
}
