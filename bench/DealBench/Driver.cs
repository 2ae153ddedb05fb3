using System.Globalization;
using System.Net;
using System.Text.Json;
using Harness;

namespace DealBench;

/// <summary>
/// Runs the scenarios (issue #12): the deal flow on the cluster-mode ApiHost and on the EF Core peer
/// (<c>bench/DealPeer</c>) in alternating windows, the PostgreSQL round trips per deal request kind, the flow with no
/// database, and deal GETs on an embedded ApiHost next to raw Kestrel (the foundation bench's <c>/raw</c>) by load.
/// Load comes from this process in every scenario alike.
/// </summary>
public static class Driver
{
    public const string AdminKey = "sb_live_us_dealbenchadminkey0001";

    public const string ItemJson = """{"product_id":"{0}","name":"Professional Plan","unit_price":99.00,"quantity":1}""";

    public static async Task<int> RunAsync(BenchArgs options)
    {
        var serverConnection = options.RequirePostgres();
        var connections = options.Int("connections", 64);
        var warmup = options.Seconds("warmup", 5);
        var duration = options.Seconds("duration", 20);
        var measure = MeasureSettings.From(options, maxPrewarm: 30, idleWait: 0, contentionRetries: 0);
        var getDeals = options.Int("get-deals", 1000);
        var roundTripRequests = options.Int("roundtrip-requests", 200);
        var self = typeof(Driver).Assembly.Location;
        var benchDll = Path.GetFullPath(options.String("bench-dll")
            ?? Path.Combine(Path.GetDirectoryName(self)!, "..", "..", "..", "..", "Bench", "bin", "Release", "net10.0", "Bench.dll"));
        if (!File.Exists(benchDll))
        {
            throw new FileNotFoundException($"the foundation bench ({benchDll}, raw Kestrel) is not built; bench/bench.sh deals builds it");
        }

        var started = DateTimeOffset.UtcNow;
        var loadBefore = MachineInfo.LoadAverage();
        await using var pg = await BenchDatabase.CreateAsync(serverConnection, "dealbench", options.Has("keep-db"));
        var cpu = new CpuProbe([], options.PostmasterPid);
        Log($"database created; load average {loadBefore}");
        var synchronousCommit = await pg.ScalarAsync("SHOW synchronous_commit");
        var pgVersion = await pg.ScalarAsync("SHOW server_version");

        // One measured window on a server: pre-warm, CHECKPOINT (when PostgreSQL is used), warm-up, window.
        async Task<WindowResult> MeasureAsync(ChildProcess server, string scenario, int load, TimeSpan warm, TimeSpan window, MeasureSettings settings,
            Func<LoadWorker, Task> iteration, bool checkpoint, string? bearer = AdminKey)
        {
            var spec = new LoadSpec(scenario, server.BaseUri, load, warm, window) { Bearer = bearer };
            var measured = await Measurement.RunAsync(server, spec, iteration, cpu.ForServers(server.ProcessId), settings, Log,
                checkpoint ? pg.CheckpointAsync : null);
            var result = WindowResult.From(measured, spec);
            foreach (var error in result.ErrorSamples)
            {
                Log($"{scenario}: error sample: {error}");
            }
            return result;
        }

        var pairs = options.Int("pairs", 3);
        var clusterArgs = new[] { "--server", "--mode", "cluster", "--postgres", pg.ConnectionString, "--admin-key", AdminKey };
        var peerDll = Path.GetFullPath(options.String("peer-dll")
            ?? Path.Combine(Path.GetDirectoryName(self)!, "..", "..", "..", "..", "DealPeer", "bin", "Release", "net10.0", "DealPeer.dll"));

        // 1. The deal flow on the cluster-mode ApiHost and on the EF Core peer, both servers up, windows alternated
        // (flow, peer, flow, peer, ...) so drift on this shared machine hits both alike; medians compared.
        var flows = new List<WindowResult>();
        var peers = new List<WindowResult>();
        RoundTripResult? roundTrips = null;
        await using (var server = await StartAsync("deal-cluster", self, [.. clusterArgs, "--cluster-id", "dealbench-cluster"]))
        await using (var peer = await StartAsync("deal-peer", peerDll, ["--server", "--postgres", pg.ConnectionString, "--admin-key", AdminKey]))
        {
            var setup = await FlowSetup.CreateAsync(server, connections);
            var peerSetup = await FlowSetup.CreateAsync(peer, connections);
            for (var pair = 1; pair <= pairs; pair++)
            {
                flows.Add(await MeasureAsync(server, $"deal-flow-{pair}", connections, warmup, duration, measure, setup.Iteration, checkpoint: true));
                peers.Add(await MeasureAsync(peer, $"peer-flow-{pair}", connections, warmup, duration, measure, peerSetup.Iteration, checkpoint: true));
                Log($"pair {pair}: flow {flows[^1].RequestsPerSecond:N0} req/s, peer {peers[^1].RequestsPerSecond:N0} req/s");
            }
            if (!options.Has("flow-only"))
            {
                roundTrips = await RoundTrips.MeasureAsync(setup.Api, server, pg, setup.Customers[0], setup.Item, roundTripRequests);
            }
        }
        if (options.Has("flow-only"))
        {
            return 0;
        }

        // 2. Where the flow's cost is: the same flow with no database at all (embedded). A measurement, not a product mode.
        WindowResult noDatabase;
        await using (var server = await StartAsync("deal-no-database", self, ["--server", "--mode", "embedded",
                         "--cluster-id", "dealbench-no-database", "--admin-key", AdminKey]))
        {
            var setup = await FlowSetup.CreateAsync(server, connections);
            noDatabase = await MeasureAsync(server, "deal-flow-no-database", connections, warmup, duration, measure, setup.Iteration, checkpoint: false);
        }

        // 3. Deal GET on the embedded (in-memory) ApiHost by load, and raw Kestrel (the foundation bench's /raw) at the
        // same loads: the GET target is judged at the connection count where the server peaks.
        var getByLoad = new List<WindowResult>();
        var rawByLoad = new List<WindowResult>();
        await using (var server = await StartAsync("deal-embedded", self, ["--server", "--mode", "embedded",
                         "--cluster-id", "dealbench-embedded", "--admin-key", AdminKey]))
        {
            var api = new Api(server.Http);
            var product = await api.CreateAsync("product", """{"name":"Professional Plan","price":99.00,"type":"service"}""");
            var customer = await api.CreateAsync("customer", """{"name":"Bench Customer","email":"bench@example.com","company":"Acme Corp"}""");
            var item = ItemJson.Replace("{0}", product, StringComparison.Ordinal);
            var deals = new string[getDeals];
            await Parallel.ForEachAsync(Enumerable.Range(0, getDeals), new ParallelOptions { MaxDegreeOfParallelism = 16 }, async (i, _) =>
            {
                var id = await api.CreateDealAsync(CreateJson(customer));
                await api.PostAsync($"/v1/deals?id={id}&action=add_item", item);
                deals[i] = id;
            });
            Log($"embedded: {getDeals} deals created");
            Task Get(LoadWorker w) => w.SendAsync("get", HttpMethod.Get, $"/v1/deals?id={deals[w.Random.Next(deals.Length)]}");
            foreach (var load in GetLoads)
            {
                getByLoad.Add(await MeasureAsync(server, $"deal-get-{load}", load, warmup, duration, measure, Get, checkpoint: false));
            }
        }
        await using (var raw = await StartAsync("raw-kestrel", benchDll, ["--server", "--scenario", "embedded", "--cluster-id", "dealbench-raw"]))
        {
            Task Raw(LoadWorker w) => w.SendAsync("raw", HttpMethod.Get, "/raw");
            foreach (var load in GetLoads)
            {
                rawByLoad.Add(await MeasureAsync(raw, $"raw-kestrel-{load}", load, warmup, duration, measure, Raw, checkpoint: false, bearer: null));
            }
        }

        var report = new Report(started, options.String("command", "bash bench/bench.sh deals"), options.PostgresSource,
            pgVersion, synchronousCommit, Environment.ProcessorCount, loadBefore, MachineInfo.LoadAverage(), flows, peers, noDatabase,
            getByLoad, rawByLoad, roundTrips!);
        var (json, markdown) = await report.WriteAsync(options.ResultsDirectory);
        Log($"wrote {json} and {markdown}");
        Console.WriteLine(report.Verdict);
        return report.AllPassed ? 0 : 2;
    }

    /// <summary>Connection counts of the GET and raw Kestrel windows (16: where the embedded server peaks on 2 cores).</summary>
    public static readonly int[] GetLoads = [1, 4, 16, 64];

    public static string CreateJson(string customer) =>
        $$"""{"customer_id":"{{customer}}","title":"Enterprise License Deal","currency":"USD","tax_rate":0.10}""";

    public static void Log(string line) => Console.WriteLine($"deals: {DateTimeOffset.UtcNow:HH:mm:ss} {line}");

    private static async Task<ChildProcess> StartAsync(string name, string dll, string[] args)
    {
        var server = await ChildProcess.StartReadyAsync(name, dll, [.. args, .. ChildProcess.SiloPortArgs()], TimeSpan.FromMinutes(3));
        Log($"{name}: server ready (pid {server.ProcessId})");
        return server;
    }
}

/// <summary>Setup and single calls against the API, failing loudly (the load itself never throws).</summary>
public sealed class Api(HttpClient http)
{
    public HttpClient Http => http;

    public async Task<string> CreateAsync(string resource, string json)
    {
        var body = await PostAsync($"/v1/{resource}s", json);
        return JsonDocument.Parse(body).RootElement.GetProperty("data").GetProperty(resource).GetProperty("id").GetString()!;
    }

    public async Task<string> CreateDealAsync(string json) =>
        DealId(await PostAsync("/v1/deals", json)) ?? throw new InvalidOperationException("no deal_id in the create answer");

    public Task<string> PostAsync(string url, string? json = null) => SendAsync(HttpMethod.Post, url, json);

    public async Task<string> SendAsync(HttpMethod method, string url, string? json = null)
    {
        // The bootstrap key is created by a hosted service that may finish just after /ready answers.
        for (var attempt = 0; ; attempt++)
        {
            using var request = new HttpRequestMessage(method, url);
            request.Headers.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", Driver.AdminKey);
            if (json is not null)
            {
                request.Content = new StringContent(json, System.Text.Encoding.UTF8, "application/json");
            }
            using var response = await http.SendAsync(request);
            var body = await response.Content.ReadAsStringAsync();
            if (response.IsSuccessStatusCode)
            {
                return body;
            }
            if (response.StatusCode != HttpStatusCode.Unauthorized || attempt >= 40)
            {
                throw new InvalidOperationException($"{method} {url}: HTTP {(int)response.StatusCode} {body}");
            }
            await Task.Delay(250);
        }
    }

    /// <summary>The deal id of a create answer (<c>data.deal.deal_id</c>), found without parsing the whole body.</summary>
    public static string? DealId(string body)
    {
        const string marker = "\"deal_id\":\"";
        var start = body.IndexOf(marker, StringComparison.Ordinal);
        if (start < 0)
        {
            return null;
        }
        start += marker.Length;
        var end = body.IndexOf('"', start);
        return end < 0 ? null : body[start..end];
    }
}
