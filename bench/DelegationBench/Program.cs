using System.Globalization;
using System.Text;
using System.Text.Json;
using DealBench;
using Harness;

// Issue #15's benchmark: deal creations under a 3-link delegation chain (X-Delegation-ID of the grandchild; every link
// reserves the amount) against the same creations without the header, on one cluster-mode ApiHost (the deal bench's
// server role), windows alternated plain, delegated, ... so drift hits both. Target: the check costs ≤ 20% of throughput.
// Usually run through bench/bench.sh delegations.
var options = BenchArgs.Parse(args);
var connections = options.Int("connections", 64);
var warmup = options.Seconds("warmup", 5);
var duration = options.Seconds("duration", 20);
var pairs = options.Int("pairs", 3);
var measure = MeasureSettings.From(options, maxPrewarm: 30, idleWait: 0, contentionRetries: 0);
var started = DateTimeOffset.UtcNow;
var loadBefore = MachineInfo.LoadAverage();
await using var pg = await BenchDatabase.CreateAsync(options.RequirePostgres(), "delegationbench", options.Has("keep-db"));
var cpu = new CpuProbe([], options.PostmasterPid);
var dealBench = typeof(DealServer).Assembly.Location;
await using var server = await ChildProcess.StartReadyAsync("delegation-cluster", dealBench,
    ["--server", "--mode", "cluster", "--postgres", pg.ConnectionString, "--admin-key", Driver.AdminKey, "--cluster-id", "delegationbench",
     .. ChildProcess.SiloPortArgs()], TimeSpan.FromMinutes(3));

// admin → A (root) → B (child) → C (grandchild); C creates the deals. Caps far above what a run can spend.
var api = new Api(server.Http);
var product = await api.CreateAsync("product", """{"name":"Seat","price":100.00,"type":"service"}""");
async Task<(string Id, string Secret)> KeyAsync(string name)
{
    var data = JsonDocument.Parse(await api.PostAsync("/v1/keys",
        $$"""{"name":"{{name}}","scopes":["deals:read","deals:write","agent:execute","delegations:read","delegations:write"]}""")).RootElement.GetProperty("data");
    return (data.GetProperty("id").GetString()!, data.GetProperty("secret").GetString()!);
}
async Task<string> DelegateAsync(string grantorSecret, string granteeId, string? parent)
{
    using var request = new HttpRequestMessage(HttpMethod.Post, "/v1/delegations")
    {
        Content = new StringContent($$"""{"grantee_agent_key_id":"{{granteeId}}","allowed_actions":["deals:read","deals:write"],"max_daily_amount":1000000000000,"max_monthly_amount":1000000000000}""",
            Encoding.UTF8, "application/json"),
    };
    request.Headers.Authorization = new("Bearer", grantorSecret);
    if (parent is not null)
    {
        request.Headers.Add("X-Delegation-ID", parent);
    }
    using var response = await server.Http.SendAsync(request);
    var body = await response.Content.ReadAsStringAsync();
    return response.IsSuccessStatusCode
        ? JsonDocument.Parse(body).RootElement.GetProperty("data").GetProperty("delegation_id").GetString()!
        : throw new InvalidOperationException($"POST /v1/delegations: {(int)response.StatusCode} {body}");
}
var a = await KeyAsync("agent-a");
var b = await KeyAsync("agent-b");
var c = await KeyAsync("agent-c");
var root = await DelegateAsync(Driver.AdminKey, a.Id, null);
var child = await DelegateAsync(a.Secret, b.Id, root);
var grandchild = await DelegateAsync(b.Secret, c.Id, child);
Log($"chain {root} → {child} → {grandchild}");

var body = $$"""{"items":[{"product_id":"{{product}}","name":"Seat","unit_price":100.00,"quantity":1}]}""";
var target = new Uri(server.BaseUri, "/v1/deals?action=create-configured");
KeyValuePair<string, string>[] under = [new("X-Delegation-ID", grandchild)];
Task Plain(LoadWorker w) => w.SendAsync("create", HttpMethod.Post, target, new StringContent(body, Encoding.UTF8, "application/json"));
Task Delegated(LoadWorker w) => w.SendAsync("create", HttpMethod.Post, target, new StringContent(body, Encoding.UTF8, "application/json"), under);

async Task<WindowResult> MeasureAsync(string scenario, Func<LoadWorker, Task> iteration)
{
    var spec = new LoadSpec(scenario, server.BaseUri, connections, warmup, duration) { Bearer = c.Secret };
    var measured = await Measurement.RunAsync(server, spec, iteration, cpu.ForServers(server.ProcessId), measure, Log, pg.CheckpointAsync);
    var result = WindowResult.From(measured, spec);
    Log($"{scenario}: {result.RequestsPerSecond:N0} req/s, errors {result.Errors}{(result.ErrorSamples.Count > 0 ? ": " + result.ErrorSamples[0] : "")}");
    return result;
}
var plain = new List<WindowResult>();
var delegated = new List<WindowResult>();
for (var pair = 1; pair <= pairs; pair++)
{
    plain.Add(await MeasureAsync($"plain-{pair}", Plain));
    delegated.Add(await MeasureAsync($"delegated-{pair}", Delegated));
}

var plainRate = Stats.Median(plain.Select(w => w.RequestsPerSecond));
var delegatedRate = Stats.Median(delegated.Select(w => w.RequestsPerSecond));
var cost = plainRate > 0 ? 1 - delegatedRate / plainRate : double.NaN;
var clean = plain.Concat(delegated).All(w => w.Errors == 0);
var passed = clean && cost <= 0.20;
var md = new StringBuilder();
void Line(string text = "") => md.AppendLine(text);
Line($"# Delegation benchmark: {started:yyyy-MM-dd HH:mm} UTC");
Line();
Line($"`{options.Command("DelegationBench")}`. {Environment.ProcessorCount} cores, load average {loadBefore} before, {MachineInfo.LoadAverage()} after. One cluster-mode ApiHost (co-hosted silo, PostgreSQL); key C creates deals with `create-configured` (one item, 100.00), with and without `X-Delegation-ID` of the grandchild of admin → A → B → C; {connections} connections, {duration.TotalSeconds:0} s windows alternated.");
Line();
Line("| target | measured | result |");
Line("|---|---|---|");
Line(string.Create(CultureInfo.InvariantCulture, $"| delegation check costs ≤ 20% of deal-creation throughput (medians of {pairs} pairs, no errors) | {delegatedRate:N0} vs {plainRate:N0} req/s: **{cost:P1}** | {Stats.Mark(passed)} |"));
Line();
Line("| window | req/s | errors | p50 ms | p99 ms | server cores | PostgreSQL cores |");
Line("|---|---|---|---|---|---|---|");
foreach (var w in plain.Zip(delegated).SelectMany(p => new[] { p.First, p.Second }))
{
    var k = w.Kinds[0];
    Line($"| {w.Scenario} | {w.RequestsPerSecond:N0} | {w.Errors} | {k.P50Ms} | {k.P99Ms} | {w.Cpu.ServerCores} | {w.Cpu.PostgresCores} |");
}
foreach (var error in plain.Concat(delegated).SelectMany(w => w.ErrorSamples).Take(5))
{
    Line($"- error sample: `{error.ReplaceLineEndings(" ")}`");
}
Console.WriteLine(md);
Log($"wrote {await ReportFiles.WriteMarkdownAsync(options.ResultsDirectory, "delegations", md.ToString())}");
return passed ? 0 : 2;

static void Log(string line) => Console.WriteLine($"delegations: {DateTimeOffset.UtcNow:HH:mm:ss} {line}");
