using System.Diagnostics;
using System.Globalization;
using System.Runtime.InteropServices;
using Harness;

namespace Bench;

/// <summary>The driver's bookkeeping of one run.</summary>
public static partial class Driver
{
    /// <summary>Everything measured so far, turned into a <see cref="BenchReport"/> at the end.</summary>
    private sealed class RunState(DriverConfig config)
    {
        private readonly List<(ScenarioDef Def, List<(LoadRun Run, CpuUsage? Cpu)> Runs)> scenarios = [];

        public DriverConfig Config => config;

        public DateTimeOffset Started { get; } = DateTimeOffset.UtcNow;

        public string LoadAtStart { get; } = MachineInfo.LoadAverage();

        public List<string> Failures { get; } = [];

        public List<ServerInfo> Servers { get; } = [];

        public PostgresFacts? Postgres { get; set; }

        public Dictionary<string, double>? Micro { get; set; }

        /// <summary>Methods JIT-compiled during the measured windows, per scenario (should be ~0).</summary>
        public Dictionary<string, long> JitInWindow { get; } = [];

        /// <summary>Bytes the server allocated during the measured windows, and the requests in them, per scenario.</summary>
        public Dictionary<string, (long Bytes, long Requests)> AllocInWindow { get; } = [];

        public int Discarded { get; private set; }

        public async Task LoadAsync(ScenarioDef def, ChildProcess server, int[] serverPids, int round)
        {
            var targets = def.Ids switch
            {
                0 => [new Uri(server.BaseUri, def.Path)],
                -1 => Enumerable.Range(0, config.Grains).Select(i => new Uri(server.BaseUri, def.Path + Str(i))).ToArray(),
                _ => Enumerable.Range(0, config.Keys).Select(i => new Uri(server.BaseUri, def.Path + Str(i))).ToArray(),
            };
            var spec = new LoadSpec(def.Name, server.BaseUri, config.Connections, config.Warmup, config.Duration, config.MaxRequests);
            var measured = await Measurement.RunAsync(server, spec, LoadGenerator.Uniform(def.Name, def.Method, targets),
                new CpuProbe(serverPids, config.PostmasterPid), config.Measure, line => Console.WriteLine($"bench: round {round}: {line}"));

            var entry = scenarios.FirstOrDefault(s => s.Def == def);
            if (entry.Def is null)
            {
                entry = (def, []);
                scenarios.Add(entry);
            }
            entry.Runs.Add((measured.Run, measured.Cpu));
            JitInWindow[def.Name] = JitInWindow.GetValueOrDefault(def.Name) + (measured.JitMethodsInWindow ?? 0);
            if (measured.AllocatedBytesInWindow is { } bytes)
            {
                var (sum, requests) = AllocInWindow.GetValueOrDefault(def.Name);
                AllocInWindow[def.Name] = (sum + bytes, requests + measured.Run.Requests);
            }
            Discarded += measured.Discarded;
        }

        public BenchReport Build()
        {
            var results = scenarios
                .Select(s => Aggregate(s.Def, s.Runs) with
                {
                    JitMethodsInWindow = JitInWindow.GetValueOrDefault(s.Def.Name),
                    AllocatedBytesPerRequest = AllocInWindow.TryGetValue(s.Def.Name, out var a) && a.Requests > 0 ? Math.Round((double)a.Bytes / a.Requests) : null,
                })
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
            if (MachineInfo.LoadAverage1(LoadAtStart) > 1.5)
            {
                notes.Add($"The machine had been busy shortly before the run (load average {LoadAtStart}).");
            }
            if (Discarded > 0)
            {
                notes.Add($"{Discarded} measured window(s) were discarded and measured again because other processes used more than {Measurement.ContendedCores} cores.");
            }
            foreach (var r in results.Where(r => r.Cpu is { Other: > Measurement.ContendedCores }))
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
                    MachineInfo.CpuModel(),
                    MachineInfo.MemoryGb(),
                    RuntimeInformation.OSDescription,
                    RuntimeInformation.FrameworkDescription,
                    config.Sdk,
                    LoadAtStart,
                    MachineInfo.LoadAverage()),
                new LoadSettings(config.Connections, config.Warmup.TotalSeconds, config.Duration.TotalSeconds, config.Rounds,
                    config.Grains, config.Keys, config.DataChars, config.MaxRequests, client,
                    config.Measure.IdleWait.TotalSeconds, config.Measure.ContentionRetries),
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
                Stats.Ms(Stats.Percentile(latencies, 0.50)),
                Stats.Ms(Stats.Percentile(latencies, 0.90)),
                Stats.Ms(Stats.Percentile(latencies, 0.99)),
                Stats.Ms(Stats.Percentile(latencies, 0.999)),
                Stats.Ms(latencies.Length > 0 ? latencies[^1] : 0),
                Stats.Ms(latencies.Length > 0 ? (long)latencies.Average() : 0),
                cpu,
                cpu is not null && rps > 0 ? Math.Round(cpu.Server * 1e6 / rps, 1) : null,
                cpu is not null && rps > 0 ? Math.Round(cpu.Postgres * 1e6 / rps, 1) : null,
                cpu is not null && rps > 0 ? Math.Round(cpu.ServerKernel * 1e6 / rps, 1) : null,
                cpu is not null && rps > 0 ? Math.Round(cpu.ServerSwitchesPerSecond / rps, 2) : null,
                runs.Select(r => Math.Round(r.Run.Requests / r.Run.MeasuredSeconds, 1)).ToList(),
                runs.Select(r => r.Run.FirstError).FirstOrDefault(e => e is not null));
        }
    }
}
