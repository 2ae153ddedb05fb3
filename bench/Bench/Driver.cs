using System.Diagnostics;
using System.Globalization;
using Harness;

namespace Bench;

/// <summary>
/// The driver role: starts each server as a child process, loads it with <see cref="LoadGenerator"/>,
/// and writes <c>foundation-&lt;UTC&gt;.json</c> and <c>foundation-latest.md</c>.
/// </summary>
public static partial class Driver
{
    public const string Usage = """
        usage: dotnet Bench.dll [options]          (bash bench/bench.sh foundation builds and runs it with a throwaway PostgreSQL)
          --connections N     concurrent connections (closed loop)           default 64
          --warmup S          warm-up seconds right before each window      default 3
          --duration S        measured seconds per scenario                  default 15
          --rounds N          repeat every scenario pair N times, merged     default 1
          --scenarios LIST    embedded,cluster (and/or topology)             default embedded,cluster
          --topology          add the separate-silo + client-mode topology   (same as listing it in --scenarios)
          --grains N          grains behind GET /grain/{id}                  default 1000
          --keys N            keys behind the write endpoints                default 10000
          --data-chars N      length of the written state's string           default 200
          --max-requests N    cap on recorded requests per run               default 10000000
          --postgres CS       PostgreSQL to create the bench database in     default env ConnectionStrings__Postgres
          --keep-db           keep the bench database afterwards
          --results DIR       where results go                               default bench/results (or ./results)
          --investigate       also the stock ADO.NET provider (grain-write-adonet) and the write split into
                              parts (grain call alone, the ADO.NET SQL without Orleans, binary and
                              System.Text.Json serializers on the ADO.NET provider)
          --max-prewarm S     before each scenario, load it unrecorded until the JIT is quiet, at most S s   default 25
          --idle-wait S       before each scenario, wait up to S s for other processes to go quiet   default 30
          --contention-retries N   re-measure a window where other processes used > 0.25 cores   default 2
          --server-env LIST   NAME=VALUE,... environment for the server processes (e.g. DOTNET_gcServer=0)
          --sdk V --command C --note TEXT   recorded in the results
        """;

    private static readonly ScenarioDef Raw = new("raw", "a small JSON object straight from Kestrel, no grain (embedded server)", "GET /raw", HttpMethod.Get, "/raw", 0);
    private static readonly ScenarioDef GrainGet = new("grain-get", "grain call returning its small state as JSON (embedded silo, same process)", "GET /grain/{id}", HttpMethod.Get, "/grain/", -1);
    private static readonly ScenarioDef DirectWrite = new("direct-write", "one upsert with Npgsql (pooled NpgsqlDataSource, tuned connection string)", "POST /direct/{id}", HttpMethod.Post, "/direct/", -2);
    private static readonly ScenarioDef GrainWrite = new("grain-write", "grain sets its state and WriteStateAsync() through the default grain storage, our Npgsql provider (co-hosted cluster silo)", "POST /grain-write/{id}", HttpMethod.Post, "/grain-write/", -2);
    private static readonly ScenarioDef GrainWriteAdoNet = new("grain-write-adonet", "investigation: grain-write on the stock Orleans ADO.NET provider (Orleans:GrainStorage=AdoNet: our 0002 SQL, default serializer)", "POST /grain-write-adonet/{id}", HttpMethod.Post, "/grain-write-adonet/", -2);
    private static readonly ScenarioDef GrainTouch = new("grain-touch", "investigation: the grain call of grain-write, state changed in memory, no storage write", "POST /grain-touch/{id}", HttpMethod.Post, "/grain-touch/", -2);
    private static readonly ScenarioDef OrleansSql = new("orleans-sql", "investigation: our WriteToStorageKey upsert on orleans_storage with the provider's 9 named parameters, through NpgsqlDataSource, no grain or provider", "POST /orleans-sql/{id}", HttpMethod.Post, "/orleans-sql/", -2);
    private static readonly ScenarioDef GrainWriteBinary = new("grain-write-binary", "investigation: grain-write on an ADO.NET provider using the Orleans binary serializer", "POST /grain-write-binary/{id}", HttpMethod.Post, "/grain-write-binary/", -2);
    private static readonly ScenarioDef GrainWriteStj = new("grain-write-stj", "investigation: grain-write on an ADO.NET provider using the System.Text.Json serializer", "POST /grain-write-stj/{id}", HttpMethod.Post, "/grain-write-stj/", -2);
    private static readonly ScenarioDef GatewayGet = new("gateway-grain-get", "grain GET from a client-mode server through the gateway of a separate silo process", "GET /grain/{id}", HttpMethod.Get, "/grain/", -1);
    private static readonly ScenarioDef GatewayWrite = new("gateway-grain-write", "grain write from a client-mode server through the gateway of a separate silo process", "POST /grain-write/{id}", HttpMethod.Post, "/grain-write/", -2);

    public static async Task<int> RunAsync(BenchArgs args)
    {
        var config = DriverConfig.From(args);
        var run = new RunState(config);
        Console.WriteLine($"bench: {config.Connections} connections, {config.Warmup.TotalSeconds:0.#} s warm-up + {config.Duration.TotalSeconds:0.#} s measured per scenario, {config.Rounds} round(s); load average {run.LoadAtStart}");

        if (config.Scenarios.Contains("embedded"))
        {
            await Guard(run, "embedded", () => RunEmbeddedAsync(run));
        }

        if (config.Scenarios.Contains("cluster") || config.Scenarios.Contains("topology"))
        {
            if (config.Postgres is null)
            {
                run.Failures.Add("cluster scenarios skipped: no PostgreSQL (--postgres or ConnectionStrings__Postgres)");
                Console.Error.WriteLine($"bench: {run.Failures[^1]}");
            }
            else
            {
                await Guard(run, "cluster", () => RunClusterAsync(run, config.Postgres));
            }
        }

        var report = run.Build();
        var (json, markdown) = await ReportWriter.WriteAsync(report, config.ResultsDirectory);
        Console.WriteLine();
        Console.WriteLine(ReportWriter.SummaryTable(report));
        Console.WriteLine($"bench: wrote {json} and {markdown}");
        return run.Failures.Count == 0 ? 0 : 1;
    }

    private static async Task Guard(RunState run, string part, Func<Task> body)
    {
        try
        {
            await body();
        }
        catch (Exception ex)
        {
            run.Failures.Add($"{part}: {ex.GetType().Name}: {ex.Message}");
            Console.Error.WriteLine($"bench: {part} failed: {ex}");
        }
    }

    private static async Task RunEmbeddedAsync(RunState run)
    {
        var config = run.Config;
        await using var server = await StartAsync(run, "embedded", ["--scenario", "embedded", .. ChildProcess.SiloPortArgs(), "--grains", Str(config.Grains)]);
        for (var round = 1; round <= config.Rounds; round++)
        {
            await run.LoadAsync(Raw, server, [server.ProcessId], round);
            await run.LoadAsync(GrainGet, server, [server.ProcessId], round);
        }
        await server.StopAsync();
    }

    private static async Task RunClusterAsync(RunState run, string basePostgres)
    {
        var config = run.Config;
        await using var database = await BenchDatabase.CreateAsync(basePostgres, "bench", config.KeepDatabase);
        var postgres = database.ConnectionString;
        run.Postgres = await database.DescribeAsync(config.PostgresSource);
        Console.WriteLine($"bench: database {database.Name} on PostgreSQL {run.Postgres.Version} (synchronous_commit={run.Postgres.SynchronousCommit}, fsync={run.Postgres.Fsync})");
        if (config.Scenarios.Contains("cluster"))
        {
            await using var server = await StartAsync(run, "cluster",
            [
                "--scenario", "cluster", "--postgres", postgres, "--cluster-id", "bench-cohosted", .. ChildProcess.SiloPortArgs(),
                "--keys", Str(config.Keys), "--data-chars", Str(config.DataChars),
                .. (config.Investigate ? new[] { "--variants" } : []),
            ]);
            if (config.Investigate)
            {
                var micro = await server.PostAsync("/bench/micro");
                Console.WriteLine($"bench: serializers (single thread, per call): {micro}");
                run.Micro = System.Text.Json.JsonSerializer.Deserialize(micro, BenchJson.Default.DictionaryStringDouble);
            }
            for (var round = 1; round <= config.Rounds; round++)
            {
                ScenarioDef[] writes = config.Investigate
                    ? [DirectWrite, GrainWrite, GrainWriteAdoNet, GrainTouch, OrleansSql, GrainWriteBinary, GrainWriteStj]
                    : [DirectWrite, GrainWrite];
                foreach (var def in writes)
                {
                    await server.PostAsync("/bench/checkpoint");
                    await run.LoadAsync(def, server, [server.ProcessId], round);
                }
            }
            await server.StopAsync();
        }

        if (config.Scenarios.Contains("topology"))
        {
            await Guard(run, "topology", () => RunTopologyAsync(run, postgres));
        }
    }

    private static async Task RunTopologyAsync(RunState run, string postgres)
    {
        var config = run.Config;
        const string clusterId = "bench-topology";
        await using var silo = await ChildProcess.StartReadyAsync("silo", Self,
            ["--server", "--scenario", "silo", "--postgres", postgres, "--cluster-id", clusterId, .. ChildProcess.SiloPortArgs(), "--data-chars", Str(config.DataChars)],
            TimeSpan.FromMinutes(2), config.ServerEnvironment);
        await using var client = await StartAsync(run, "client",
            ["--scenario", "client", "--postgres", postgres, "--cluster-id", clusterId, "--keys", Str(config.Keys), "--grains", Str(config.Grains)]);
        for (var round = 1; round <= config.Rounds; round++)
        {
            await run.LoadAsync(GatewayGet, client, [client.ProcessId, silo.ProcessId], round);
            await run.LoadAsync(GatewayWrite, client, [client.ProcessId, silo.ProcessId], round);
        }
        await client.StopAsync();
        await silo.StopAsync();
    }

    private static string Self => typeof(Driver).Assembly.Location;

    /// <summary>Starts this DLL's server role, waits for <c>/ready</c> and calls <c>/bench/prepare</c>.</summary>
    private static async Task<ChildProcess> StartAsync(RunState run, string name, string[] args)
    {
        var stopwatch = Stopwatch.StartNew();
        var server = await ChildProcess.StartReadyAsync(name, Self, ["--server", .. args], TimeSpan.FromMinutes(2), run.Config.ServerEnvironment);
        var ready = stopwatch.Elapsed;
        var info = await server.PostAsync("/bench/prepare");
        Console.WriteLine($"bench: {server.Name} server ready in {ready.TotalSeconds:0.0} s, prepared in {(stopwatch.Elapsed - ready).TotalSeconds:0.0} s: {info}");
        run.Servers.Add(System.Text.Json.JsonSerializer.Deserialize(info, BenchJson.Default.ServerInfo)
            ?? throw new InvalidOperationException("empty /bench/prepare answer"));
        return server;
    }

    private static string Str(int value) => value.ToString(CultureInfo.InvariantCulture);

    /// <param name="Ids">0: one fixed path; -1: over <c>--grains</c> ids; -2: over <c>--keys</c> ids.</param>
    private sealed record ScenarioDef(string Name, string Description, string Request, HttpMethod Method, string Path, int Ids);
}
