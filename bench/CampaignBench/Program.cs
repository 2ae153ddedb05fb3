using CampaignBench;
using Harness;

// Issue #17's campaign benchmark, cluster mode: one product silo co-hosted in this process on PostgreSQL (grain state,
// reminders, event log, webhook deliveries), the `event` email channel, and the external executor's webhook receiver
// (Kestrel on loopback, subscribed to email.send_requested) counting every send.
//   burst:  --burst contacts enrolled in a draft campaign, scheduled so every first step is due in the same second;
//   spread: --contacts contacts enrolled at an even pace over --spread seconds into an active campaign whose step is
//           due --delay-minutes after enrolment, so the steps fall due spread over that period.
// Reports lag from due time to the send's publish (and to receipt) p50/p99/max, time until all went out, silo memory,
// and the Hangfire peer's figures (bench/results/campaigns-hangfire-latest.md) beside them.
var options = BenchArgs.Parse(args);
var started = DateTimeOffset.UtcNow;
var burst = options.Int("burst", 20_000);
var contacts = options.Int("contacts", 100_000);
var spread = options.Int("spread", 600);
var delayMinutes = options.Int("delay-minutes", 1);
var chunk = options.Int("chunk", 500);
var run = options.String("scenarios", "burst,spread").Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
var timeout = options.Seconds("timeout", 600);
var loadBefore = MachineInfo.LoadAverage();
void Log(string line) => Console.WriteLine($"{DateTimeOffset.UtcNow:HH:mm:ss} {line}");

await using var pg = await BenchDatabase.CreateAsync(options.RequirePostgres(), "bench_campaigns", options.Has("keep-db"));
await using var receiver = await Receiver.StartAsync(options.Int("receiver-port", 55488));
await using var silo = await ClusterSiloHost.StartAsync(pg.ConnectionString, pg.Name,
    new Dictionary<string, string?> { ["Webhooks:AllowPrivateTargets"] = "true" }, // the receiver is on loopback over http
    options.Int("silo-port", 55486), options.Int("gateway-port", 55487));

var needed = Math.Max(run.Contains("burst") ? burst : 0, run.Contains("spread") ? contacts : 0);
var setUp = System.Diagnostics.Stopwatch.StartNew();
var tenant = await Tenant.SetUpAsync(silo.Grains, receiver.Url, needed, concurrency: 64);
var setUpSeconds = setUp.Elapsed.TotalSeconds;
Log($"created {needed} contacts in {setUpSeconds:F0} s");

var scenarios = new Scenarios(pg, tenant, receiver, new CpuProbe([Environment.ProcessId], options.PostmasterPid), timeout, Log);
List<ScenarioResult> results = [];
var peer = PeerFigures.Read(Path.Combine(options.ResultsDirectory, "campaigns-hangfire-latest.md"));
foreach (var name in run)
{
    results.Add(name switch
    {
        "burst" => await scenarios.BurstAsync(burst, options.Int("burst-lead", 20)),
        "spread" => await scenarios.SpreadAsync(contacts, spread, delayMinutes, chunk),
        _ => throw new ArgumentException($"unknown scenario '{name}' (burst, spread)"),
    });
    Log($"{name}: published lag {results[^1].PublishedLag}, all published {results[^1].AllPublishedSeconds} s");
    // Written after every scenario, so a later one that fails leaves the earlier figures on disk.
    var document = new
    {
        started, options = options.Command("CampaignBench"), machine = MachineInfo.Describe(), cpuModel = MachineInfo.CpuModel(),
        loadBefore, loadAfter = MachineInfo.LoadAverage(), contactsCreated = needed, setUpSeconds, enrolRetries = Tenant.Retries, results, peer,
    };
    var files = await ReportFiles.WriteAsync(options.ResultsDirectory, "campaigns", started, document,
        json => Report.Markdown(options, results, peer, needed, setUpSeconds, loadBefore, MachineInfo.LoadAverage(), json));
    var stamped = Path.Combine(options.ResultsDirectory, $"campaigns-{Path.GetFileNameWithoutExtension(files.Json)["campaigns-".Length..]}.md");
    File.Copy(files.Markdown, stamped, overwrite: true);
    Log($"wrote {files.Markdown}, {stamped}, {files.Json}");
}
Console.WriteLine(await File.ReadAllTextAsync(Path.Combine(options.ResultsDirectory, "campaigns-latest.md")));
return 0;
