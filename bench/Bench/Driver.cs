using System.Diagnostics;
using System.Globalization;
using System.Runtime.InteropServices;
using Npgsql;

namespace Bench;

/// <summary>
/// The driver role: starts each server as a child process, loads it with <see cref="LoadGenerator"/>,
/// and writes <c>foundation-&lt;UTC&gt;.json</c> and <c>foundation-latest.md</c>.
/// </summary>
public static class Driver
{
    public const string Usage = """
        usage: dotnet Bench.dll [options]          (bench/run.sh builds and runs it with a throwaway PostgreSQL)
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

    public static async Task<int> RunAsync(Args args)
    {
        var config = DriverConfig.From(args);
        var run = new RunState(config);
        ServerProcess.ExtraEnvironment = config.ServerEnvironment;
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
        await using var server = ServerProcess.Start("embedded", ServerProcess.FreePort(),
        [
            "--scenario", "embedded",
            "--silo-port", Str(ServerProcess.FreePort()), "--gateway-port", Str(ServerProcess.FreePort()),
            "--grains", Str(config.Grains),
        ]);
        await StartAsync(run, server);
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
        var database = $"bench_{DateTime.UtcNow:yyyyMMdd_HHmmss}_{Random.Shared.Next(1000):000}";
        var postgres = await CreateDatabaseAsync(basePostgres, database);
        run.Postgres = await DescribePostgresAsync(postgres, config.PostgresSource, database);
        Console.WriteLine($"bench: database {database} on PostgreSQL {run.Postgres.Version} (synchronous_commit={run.Postgres.SynchronousCommit}, fsync={run.Postgres.Fsync})");
        try
        {
            if (config.Scenarios.Contains("cluster"))
            {
                await using var server = ServerProcess.Start("cluster", ServerProcess.FreePort(),
                [
                    "--scenario", "cluster", "--postgres", postgres, "--cluster-id", "bench-cohosted",
                    "--silo-port", Str(ServerProcess.FreePort()), "--gateway-port", Str(ServerProcess.FreePort()),
                    "--keys", Str(config.Keys), "--data-chars", Str(config.DataChars),
                    .. (config.Investigate ? new[] { "--variants" } : []),
                ]);
                await StartAsync(run, server);
                if (config.Investigate)
                {
                    var micro = await server.PostAsync("/bench/micro");
                    Console.WriteLine($"bench: serializers (single thread, per call): {micro}");
                    run.Micro = System.Text.Json.JsonSerializer.Deserialize(micro, BenchJson.Default.DictionaryStringDouble);
                }
                for (var round = 1; round <= config.Rounds; round++)
                {
                    await server.PostAsync("/bench/checkpoint");
                    await run.LoadAsync(DirectWrite, server, [server.ProcessId], round);
                    await server.PostAsync("/bench/checkpoint");
                    await run.LoadAsync(GrainWrite, server, [server.ProcessId], round);
                    if (config.Investigate)
                    {
                        foreach (var def in new[] { GrainWriteAdoNet, GrainTouch, OrleansSql, GrainWriteBinary, GrainWriteStj })
                        {
                            await server.PostAsync("/bench/checkpoint");
                            await run.LoadAsync(def, server, [server.ProcessId], round);
                        }
                    }
                }
                await server.StopAsync();
            }

            if (config.Scenarios.Contains("topology"))
            {
                await Guard(run, "topology", () => RunTopologyAsync(run, postgres));
            }
        }
        finally
        {
            if (!config.KeepDatabase)
            {
                await DropDatabaseAsync(basePostgres, database);
            }
        }
    }

    private static async Task RunTopologyAsync(RunState run, string postgres)
    {
        var config = run.Config;
        const string clusterId = "bench-topology";
        await using var silo = ServerProcess.Start("silo", ServerProcess.FreePort(),
        [
            "--scenario", "silo", "--postgres", postgres, "--cluster-id", clusterId,
            "--silo-port", Str(ServerProcess.FreePort()), "--gateway-port", Str(ServerProcess.FreePort()),
            "--data-chars", Str(config.DataChars),
        ]);
        await silo.WaitReadyAsync(TimeSpan.FromMinutes(2));
        await using var client = ServerProcess.Start("client", ServerProcess.FreePort(),
        [
            "--scenario", "client", "--postgres", postgres, "--cluster-id", clusterId,
            "--keys", Str(config.Keys), "--grains", Str(config.Grains),
        ]);
        await StartAsync(run, client);
        for (var round = 1; round <= config.Rounds; round++)
        {
            await run.LoadAsync(GatewayGet, client, [client.ProcessId, silo.ProcessId], round);
            await run.LoadAsync(GatewayWrite, client, [client.ProcessId, silo.ProcessId], round);
        }
        await client.StopAsync();
        await silo.StopAsync();
    }

    private static async Task StartAsync(RunState run, ServerProcess server)
    {
        var stopwatch = Stopwatch.StartNew();
        await server.WaitReadyAsync(TimeSpan.FromMinutes(2));
        var ready = stopwatch.Elapsed;
        var info = await server.PostAsync("/bench/prepare");
        Console.WriteLine($"bench: {server.Name} server ready in {ready.TotalSeconds:0.0} s, prepared in {(stopwatch.Elapsed - ready).TotalSeconds:0.0} s: {info}");
        run.Servers.Add(System.Text.Json.JsonSerializer.Deserialize(info, BenchJson.Default.ServerInfo)
            ?? throw new InvalidOperationException("empty /bench/prepare answer"));
    }

    private static async Task<string> CreateDatabaseAsync(string basePostgres, string database)
    {
        await using (var connection = new NpgsqlConnection(basePostgres))
        {
            await connection.OpenAsync();
            await using var command = new NpgsqlCommand($"CREATE DATABASE \"{database}\"", connection);
            await command.ExecuteNonQueryAsync();
        }
        return new NpgsqlConnectionStringBuilder(basePostgres) { Database = database }.ConnectionString;
    }

    private static async Task DropDatabaseAsync(string basePostgres, string database)
    {
        try
        {
            NpgsqlConnection.ClearAllPools();
            await using var connection = new NpgsqlConnection(basePostgres);
            await connection.OpenAsync();
            await using var command = new NpgsqlCommand($"DROP DATABASE IF EXISTS \"{database}\" WITH (FORCE)", connection);
            await command.ExecuteNonQueryAsync();
        }
        catch (NpgsqlException ex)
        {
            Console.Error.WriteLine($"bench: could not drop database {database}: {ex.Message}");
        }
    }

    private static async Task<PostgresFacts> DescribePostgresAsync(string postgres, string source, string database)
    {
        await using var connection = new NpgsqlConnection(postgres);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(
            "SELECT current_setting('server_version'), current_setting('synchronous_commit'), current_setting('fsync'), "
            + "current_setting('shared_buffers'), current_setting('max_connections')", connection);
        await using var reader = await command.ExecuteReaderAsync();
        await reader.ReadAsync();
        return new PostgresFacts(source, reader.GetString(0), reader.GetString(1), reader.GetString(2), reader.GetString(3), reader.GetString(4), database);
    }

    private static string Str(int value) => value.ToString(CultureInfo.InvariantCulture);

    /// <param name="Ids">0: one fixed path; -1: over <c>--grains</c> ids; -2: over <c>--keys</c> ids.</param>
    private sealed record ScenarioDef(string Name, string Description, string Request, HttpMethod Method, string Path, int Ids);

    /// <summary>Everything measured so far, turned into a <see cref="BenchReport"/> at the end.</summary>
    private sealed class RunState(DriverConfig config)
    {
        private readonly List<(ScenarioDef Def, List<(LoadRun Run, CpuUsage? Cpu)> Runs)> scenarios = [];

        public DriverConfig Config => config;

        public DateTimeOffset Started { get; } = DateTimeOffset.UtcNow;

        public string LoadAtStart { get; } = CpuProbe.LoadAverage();

        public List<string> Failures { get; } = [];

        public List<ServerInfo> Servers { get; } = [];

        public PostgresFacts? Postgres { get; set; }

        public Dictionary<string, double>? Micro { get; set; }

        public async Task LoadAsync(ScenarioDef def, ServerProcess server, int[] serverPids, int round)
        {
            var targets = def.Ids switch
            {
                0 => [new Uri(server.BaseUri, def.Path)],
                -1 => Enumerable.Range(0, config.Grains).Select(i => new Uri(server.BaseUri, def.Path + Str(i))).ToArray(),
                _ => Enumerable.Range(0, config.Keys).Select(i => new Uri(server.BaseUri, def.Path + Str(i))).ToArray(),
            };
            var spec = new LoadSpec(def.Name, def.Method, targets, config.Connections, config.Warmup, config.Duration, config.MaxRequests);
            await PrewarmAsync(def, spec, server);
            LoadRun result;
            CpuUsage? cpu;
            long? jitInWindow;
            for (var attempt = 0; ; attempt++)
            {
                await WaitForQuietAsync(serverPids);
                CpuSample? open = null;
                CpuSample? close = null;
                long? jitOpen = null;
                long? jitClose = null;
                result = await LoadGenerator.RunAsync(spec, opening =>
                {
                    if (opening)
                    {
                        open = CpuProbe.Sample(serverPids);
                        jitOpen = server.JitMethods();
                    }
                    else
                    {
                        close = CpuProbe.Sample(serverPids);
                        jitClose = server.JitMethods();
                    }
                });
                cpu = CpuUsage.Between(open, close);
                jitInWindow = jitClose - jitOpen;
                Console.WriteLine(Describe(def, round, result, cpu) + (jitInWindow is { } j ? $", JIT-compiled in window: {j}" : ""));
                if (cpu is null || cpu.Other <= ContendedCores || attempt >= config.ContentionRetries)
                {
                    break;
                }
                Discarded++;
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"bench: {def.Name}: other processes used {cpu.Other:0.00} cores during the window; discarded, measuring again"));
            }

            var entry = scenarios.FirstOrDefault(s => s.Def == def);
            if (entry.Def is null)
            {
                entry = (def, []);
                scenarios.Add(entry);
            }
            entry.Runs.Add((result, cpu));
            JitInWindow[def.Name] = JitInWindow.GetValueOrDefault(def.Name) + (jitInWindow ?? 0);

            if (result.FirstError is not null)
            {
                Console.WriteLine($"bench: {def.Name}: first error: {result.FirstError}");
            }
            if (result.Errors + result.WarmupErrors > 0 && server.HasExited)
            {
                throw new InvalidOperationException($"the {server.Name} server died during {def.Name}:{Environment.NewLine}{server.RecentOutput}");
            }
        }

        /// <summary>Methods JIT-compiled during the measured windows, per scenario (should be ~0).</summary>
        public Dictionary<string, long> JitInWindow { get; } = [];

        /// <summary>
        /// Loads the endpoint (unrecorded) until the server's JIT goes quiet: tiered compilation of the path under
        /// test must be finished before either side of a pair is measured, or the first one measured pays for it.
        /// </summary>
        private async Task PrewarmAsync(ScenarioDef def, LoadSpec spec, ServerProcess server)
        {
            var slice = spec with { Warmup = TimeSpan.Zero, Duration = TimeSpan.FromSeconds(2) };
            var stopwatch = Stopwatch.StartNew();
            var before = server.JitMethods();
            var last = before;
            while (stopwatch.Elapsed < config.MaxPrewarm)
            {
                await LoadGenerator.RunAsync(slice);
                var now = server.JitMethods();
                if (now is null || last is null || now - last <= 10)
                {
                    last = now;
                    break;
                }
                last = now;
            }
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"bench: {def.Name}: pre-warmed {stopwatch.Elapsed.TotalSeconds:0} s ({last - before} methods JIT-compiled meanwhile)"));
        }

        /// <summary>"Other" CPU above this (cores) marks a window as contended.</summary>
        private const double ContendedCores = 0.25;

        public int Discarded { get; private set; }

        private static string Describe(ScenarioDef def, int round, LoadRun result, CpuUsage? cpu)
        {
            var rps = result.Requests / result.MeasuredSeconds;
            var line = string.Create(CultureInfo.InvariantCulture,
                $"bench: {def.Name,-20} round {round}: {rps,8:0} req/s  p50 {Ms(Percentile(result.SortedLatencyTicks, 0.50)),6:0.00} ms  p99 {Ms(Percentile(result.SortedLatencyTicks, 0.99)),6:0.00} ms  errors {result.Errors}");
            if (cpu is not null && rps > 0)
            {
                line += string.Create(CultureInfo.InvariantCulture,
                    $"  cpu cores: server {cpu.Server:0.00} (kernel {cpu.ServerKernel:0.00}) driver {cpu.Driver:0.00} postgres {cpu.Postgres:0.00} other {cpu.Other:0.00}; server µs/req {cpu.Server * 1e6 / rps:0}, ctx switches/req {cpu.ServerSwitchesPerSecond / rps:0.0}");
            }
            return line;
        }

        /// <summary>Waits (up to <c>--idle-wait</c>) until other processes leave the cores alone for a second.</summary>
        private async Task WaitForQuietAsync(int[] serverPids)
        {
            var waited = Stopwatch.StartNew();
            var reported = false;
            while (waited.Elapsed < config.IdleWait)
            {
                var a = CpuProbe.Sample(serverPids);
                await Task.Delay(1000);
                var usage = CpuUsage.Between(a, CpuProbe.Sample(serverPids));
                if (usage is null || usage.Other + usage.Postgres < 0.2)
                {
                    return;
                }
                if (!reported)
                {
                    Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                        $"bench: machine busy (other {usage.Other:0.00}, postgres {usage.Postgres:0.00} cores); waiting up to {config.IdleWait.TotalSeconds:0} s"));
                    reported = true;
                }
            }
        }

        public BenchReport Build()
        {
            var results = scenarios
                .Select(s => Aggregate(s.Def, s.Runs) with { JitMethodsInWindow = JitInWindow.GetValueOrDefault(s.Def.Name) })
                .ToList();
            ScenarioResult? Find(string name) => results.FirstOrDefault(r => r.Name == name);

            var ratios = new List<Ratio>();
            void AddRatio(string name, string numerator, string denominator, double target)
            {
                var n = Find(numerator);
                var d = Find(denominator);
                if (n is null || d is null)
                {
                    return;
                }
                double? value = d.RequestsPerSecond > 0 ? Math.Round(n.RequestsPerSecond / d.RequestsPerSecond, 3) : null;
                ratios.Add(new Ratio(name, numerator, denominator, value, target, value >= target && n.Errors == 0 && d.Errors == 0));
            }
            AddRatio("grain GET / raw Kestrel JSON", GrainGet.Name, Raw.Name, 0.50);
            AddRatio("grain write / direct Npgsql", GrainWrite.Name, DirectWrite.Name, 0.85);
            AddRatio("grain-write-adonet / direct Npgsql (investigation)", GrainWriteAdoNet.Name, DirectWrite.Name, 0.85);
            AddRatio("orleans-sql / direct Npgsql (investigation)", OrleansSql.Name, DirectWrite.Name, 0.85);
            AddRatio("grain-write-binary / direct Npgsql (investigation)", GrainWriteBinary.Name, DirectWrite.Name, 0.85);
            AddRatio("grain-write-stj / direct Npgsql (investigation)", GrainWriteStj.Name, DirectWrite.Name, 0.85);
            AddRatio("gateway grain GET / raw Kestrel JSON (topology, informational)", GatewayGet.Name, Raw.Name, 0.50);
            AddRatio("gateway grain write / direct Npgsql (topology, informational)", GatewayWrite.Name, DirectWrite.Name, 0.85);

            var checks = new List<Check>();
            foreach (var name in new[] { GrainWrite.Name, GatewayWrite.Name })
            {
                if (Find(name) is { } r)
                {
                    checks.Add(new Check($"{name} p99 at {config.Connections} connections", name, r.P99Ms, 50, r.Requests > 0 && r.P99Ms <= 50));
                }
            }

            var notes = new List<string>();
            if (config.Note is not null)
            {
                notes.Add(config.Note);
            }
            if (config.ServerEnvironment.Count > 0)
            {
                notes.Add("Server processes ran with " + string.Join(", ", config.ServerEnvironment.Select(e => $"{e.Key}={e.Value}")) + ".");
            }
            if (config.Connections != 64)
            {
                notes.Add($"The p99 target is defined at 64 connections; this run used {config.Connections}.");
            }
            if (Postgres is { SynchronousCommit: not "on" })
            {
                notes.Add($"synchronous_commit is '{Postgres.SynchronousCommit}': the write target assumes 'on'.");
            }
            if (double.TryParse(LoadAtStart.Split(' ')[0], NumberStyles.Float, CultureInfo.InvariantCulture, out var load1) && load1 > 1.5)
            {
                notes.Add($"The machine had been busy shortly before the run (load average {LoadAtStart}).");
            }
            if (Discarded > 0)
            {
                notes.Add($"{Discarded} measured window(s) were discarded and measured again because other processes used more than {ContendedCores} cores.");
            }
            foreach (var r in results.Where(r => r.Cpu is { Other: > ContendedCores }))
            {
                notes.Add($"Other processes used {r.Cpu!.Other:0.00} cores during {r.Name}: its figures are affected by contention.");
            }
            foreach (var (name, count) in JitInWindow.Where(j => j.Value > 20))
            {
                notes.Add($"{count} methods were JIT-compiled during the measured window(s) of {name}: it was not fully warm.");
            }
            foreach (var r in results.Where(r => r.Errors > 0))
            {
                notes.Add($"{r.Name} had {r.Errors} failed requests (first: {r.FirstError}).");
            }

            var client = $"closed loop, HTTP/1.1 keep-alive, SocketsHttpHandler (MaxConnectionsPerServer = {config.Connections}), uniform random ids, in the driver process";
            return new BenchReport(
                "foundation-bench/1",
                Started,
                DateTimeOffset.UtcNow,
                config.Command,
                new MachineFacts(
                    Environment.ProcessorCount,
                    CpuModel(),
                    MemoryGb(),
                    RuntimeInformation.OSDescription,
                    RuntimeInformation.FrameworkDescription,
                    config.Sdk,
                    LoadAtStart,
                    CpuProbe.LoadAverage()),
                new LoadSettings(config.Connections, config.Warmup.TotalSeconds, config.Duration.TotalSeconds, config.Rounds,
                    config.Grains, config.Keys, config.DataChars, config.MaxRequests, client,
                    config.IdleWait.TotalSeconds, config.ContentionRetries),
                Postgres,
                Servers,
                results,
                ratios,
                checks,
                notes,
                Failures)
            {
                SerializerMicrobenchmark = Micro,
            };
        }

        private static ScenarioResult Aggregate(ScenarioDef def, List<(LoadRun Run, CpuUsage? Cpu)> runs)
        {
            var latencies = runs.SelectMany(r => r.Run.SortedLatencyTicks).ToArray();
            Array.Sort(latencies);
            var requests = runs.Sum(r => r.Run.Requests);
            var seconds = runs.Sum(r => r.Run.MeasuredSeconds);
            var rps = seconds > 0 ? requests / seconds : 0;

            CpuUsage? cpu = null;
            var withCpu = runs.Where(r => r.Cpu is not null).ToList();
            var cpuSeconds = withCpu.Sum(r => r.Run.MeasuredSeconds);
            if (cpuSeconds > 0)
            {
                double Avg(Func<CpuUsage, double> f) => Math.Round(withCpu.Sum(r => f(r.Cpu!) * r.Run.MeasuredSeconds) / cpuSeconds, 2);
                cpu = new CpuUsage(Avg(c => c.Server), Avg(c => c.Driver), Avg(c => c.Postgres), Avg(c => c.Other), Avg(c => c.MachineBusy),
                    Avg(c => c.ServerKernel), Math.Round(Avg(c => c.ServerSwitchesPerSecond)));
            }

            return new ScenarioResult(
                def.Name,
                def.Description,
                def.Request,
                runs.Count,
                requests,
                runs.Sum(r => r.Run.Errors),
                Math.Round(seconds, 3),
                Math.Round(rps, 1),
                Ms(Percentile(latencies, 0.50)),
                Ms(Percentile(latencies, 0.90)),
                Ms(Percentile(latencies, 0.99)),
                Ms(Percentile(latencies, 0.999)),
                Ms(latencies.Length > 0 ? latencies[^1] : 0),
                Ms(latencies.Length > 0 ? (long)latencies.Average() : 0),
                cpu,
                cpu is not null && rps > 0 ? Math.Round(cpu.Server * 1e6 / rps, 1) : null,
                cpu is not null && rps > 0 ? Math.Round(cpu.Postgres * 1e6 / rps, 1) : null,
                cpu is not null && rps > 0 ? Math.Round(cpu.ServerKernel * 1e6 / rps, 1) : null,
                cpu is not null && rps > 0 ? Math.Round(cpu.ServerSwitchesPerSecond / rps, 2) : null,
                runs.Select(r => Math.Round(r.Run.Requests / r.Run.MeasuredSeconds, 1)).ToList(),
                runs.Select(r => r.Run.FirstError).FirstOrDefault(e => e is not null));
        }

        private static string? CpuModel()
        {
            try
            {
                return File.ReadLines("/proc/cpuinfo").FirstOrDefault(l => l.StartsWith("model name", StringComparison.Ordinal))
                    ?.Split(':', 2)[1].Trim();
            }
            catch (IOException)
            {
                return null;
            }
        }

        private static double? MemoryGb()
        {
            try
            {
                var line = File.ReadLines("/proc/meminfo").FirstOrDefault(l => l.StartsWith("MemTotal:", StringComparison.Ordinal));
                var kb = line?.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1];
                return kb is null ? null : Math.Round(long.Parse(kb, CultureInfo.InvariantCulture) / 1024.0 / 1024.0, 1);
            }
            catch (IOException)
            {
                return null;
            }
        }
    }

    private static long Percentile(long[] sorted, double p) =>
        sorted.Length == 0 ? 0 : sorted[Math.Clamp((int)Math.Ceiling(p * sorted.Length) - 1, 0, sorted.Length - 1)];

    private static double Ms(long ticks) => Math.Round(ticks * 1000.0 / Stopwatch.Frequency, 3);
}

/// <summary>The driver's options.</summary>
public sealed record DriverConfig(
    int Connections,
    TimeSpan Warmup,
    TimeSpan Duration,
    int Rounds,
    IReadOnlySet<string> Scenarios,
    int Grains,
    int Keys,
    int DataChars,
    long MaxRequests,
    string? Postgres,
    string PostgresSource,
    bool KeepDatabase,
    string ResultsDirectory,
    string? Sdk,
    string Command,
    string? Note,
    bool Investigate,
    IReadOnlyDictionary<string, string> ServerEnvironment,
    TimeSpan IdleWait,
    int ContentionRetries,
    TimeSpan MaxPrewarm)
{
    /// <summary>The command line as run, without the connection string (it may hold a password).</summary>
    private static string DefaultCommand()
    {
        var parts = new List<string> { "dotnet Bench.dll" };
        var args = Environment.GetCommandLineArgs().Skip(1).ToArray();
        for (var i = 0; i < args.Length; i++)
        {
            parts.Add(args[i]);
            if (args[i] == "--postgres" && i + 1 < args.Length)
            {
                parts.Add("<connection string>");
                i++;
            }
        }
        return string.Join(' ', parts);
    }

    public static DriverConfig From(Args args)
    {
        var scenarios = args.String("scenarios", "embedded,cluster")
            .Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .ToHashSet(StringComparer.OrdinalIgnoreCase);
        if (args.Has("topology"))
        {
            scenarios.Add("topology");
        }
        var unknown = scenarios.Except(["embedded", "cluster", "topology"], StringComparer.OrdinalIgnoreCase).ToList();
        if (unknown.Count > 0)
        {
            throw new ArgumentException($"unknown scenario(s): {string.Join(", ", unknown)}");
        }

        var fromFlag = args.String("postgres");
        var fromEnv = Environment.GetEnvironmentVariable("ConnectionStrings__Postgres");
        var postgres = fromFlag is { Length: > 0 } ? fromFlag : fromEnv is { Length: > 0 } ? fromEnv : null;

        var connections = Math.Max(1, args.Int("connections", 64));
        var rounds = Math.Max(1, args.Int("rounds", 1));
        var results = args.String("results") ?? (Directory.Exists("bench") ? Path.Combine("bench", "results") : "results");
        return new DriverConfig(
            connections,
            TimeSpan.FromSeconds(args.Double("warmup", 3)),
            TimeSpan.FromSeconds(Math.Max(1, args.Double("duration", 15))),
            rounds,
            scenarios,
            Math.Max(1, args.Int("grains", 1000)),
            Math.Max(1, args.Int("keys", 10_000)),
            args.Int("data-chars", 200),
            Math.Max(1, args.Int("max-requests", 10_000_000)),
            postgres,
            args.String("postgres-source", fromFlag is { Length: > 0 } ? "--postgres" : "ConnectionStrings__Postgres"),
            args.Has("keep-db"),
            Path.GetFullPath(results),
            args.String("sdk"),
            args.String("command", DefaultCommand()),
            args.String("note"),
            args.Has("investigate"),
            ParseEnvironment(args.String("server-env")),
            TimeSpan.FromSeconds(args.Double("idle-wait", 30)),
            args.Int("contention-retries", 2),
            TimeSpan.FromSeconds(args.Double("max-prewarm", 25)));
    }

    private static Dictionary<string, string> ParseEnvironment(string? value)
    {
        var result = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var pair in (value ?? "").Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            var eq = pair.IndexOf('=', StringComparison.Ordinal);
            if (eq <= 0)
            {
                throw new ArgumentException($"--server-env needs NAME=VALUE pairs, got '{pair}'");
            }
            result[pair[..eq]] = pair[(eq + 1)..];
        }
        return result;
    }
}
