using System.Diagnostics;
using System.Globalization;

namespace Harness;

/// <summary>How a window is protected from a cold JIT and a busy machine.</summary>
/// <param name="MaxPrewarm">Before measuring, load unrecorded until the server's JIT is quiet, at most this long.</param>
/// <param name="IdleWait">Before each window, wait up to this long for other processes to leave the cores alone.</param>
/// <param name="ContentionRetries">Measure a window again (up to this many times) when others used more than <see cref="Measurement.ContendedCores"/>.</param>
public sealed record MeasureSettings(TimeSpan MaxPrewarm, TimeSpan IdleWait = default, int ContentionRetries = 0)
{
    public static MeasureSettings From(BenchArgs args, double maxPrewarm, double idleWait, int contentionRetries) => new(
        args.Seconds("max-prewarm", maxPrewarm), args.Seconds("idle-wait", idleWait), args.Int("contention-retries", contentionRetries));
}

/// <summary>One measured window: the load, the CPU it took and the methods the server JIT-compiled meanwhile.</summary>
/// <param name="Discarded">Earlier windows measured again because the machine was busy.</param>
public sealed record Measured(LoadRun Run, CpuUsage? Cpu, long? JitMethodsInWindow, int Discarded)
{
    /// <summary>Bytes the server allocated during the window.</summary>
    public long? AllocatedBytesInWindow { get; init; }
}

/// <summary>
/// Measures a scenario against a server: pre-warms it (unrecorded 2 s slices until the server compiled at most 10
/// methods in one: tiered compilation of the path must be done, or whichever side of a pair runs first pays for it),
/// runs the optional step before the window (a CHECKPOINT), waits for a quiet machine, then warm-up and the measured
/// window with CPU and JIT sampled at its edges; a window others disturbed is measured again.
/// </summary>
public static class Measurement
{
    /// <summary>"Other" CPU above this (cores) marks a window as contended.</summary>
    public const double ContendedCores = 0.25;

    private static readonly TimeSpan PrewarmSlice = TimeSpan.FromSeconds(2);

    public static async Task<Measured> RunAsync(ChildProcess server, LoadSpec spec, Func<LoadWorker, Task> iteration, CpuProbe probe,
        MeasureSettings settings, Action<string> log, Func<Task>? beforeWindow = null)
    {
        await PrewarmAsync(server, spec, iteration, settings.MaxPrewarm, log);
        if (beforeWindow is not null)
        {
            await beforeWindow();
        }
        var discarded = 0;
        for (var attempt = 0; ; attempt++)
        {
            await probe.WaitForQuietAsync(settings.IdleWait, log);
            CpuSample? open = null;
            CpuSample? close = null;
            long? jitOpen = null;
            long? jitClose = null;
            long? allocOpen = null;
            long? allocClose = null;
            var run = await LoadGenerator.RunAsync(spec, iteration, opening =>
            {
                if (opening)
                {
                    open = probe.Sample();
                    jitOpen = server.JitMethods();
                    allocOpen = server.AllocatedBytes();
                }
                else
                {
                    close = probe.Sample();
                    jitClose = server.JitMethods();
                    allocClose = server.AllocatedBytes();
                }
            });
            var cpu = CpuUsage.Between(open, close);
            var measured = new Measured(run, cpu, jitClose - jitOpen, discarded) { AllocatedBytesInWindow = allocClose - allocOpen };
            log(Describe(measured));
            if (run.Errors + run.WarmupErrors > 0 && server.HasExited)
            {
                throw new InvalidOperationException($"the {server.Name} server died during {spec.Name}:{Environment.NewLine}{server.RecentOutput}");
            }
            if (cpu is null || cpu.Other <= ContendedCores || attempt >= settings.ContentionRetries)
            {
                return measured;
            }
            discarded++;
            log(string.Create(CultureInfo.InvariantCulture,
                $"{spec.Name}: other processes used {cpu.Other:0.00} cores during the window; discarded, measuring again"));
        }
    }

    private static async Task PrewarmAsync(ChildProcess server, LoadSpec spec, Func<LoadWorker, Task> iteration, TimeSpan max, Action<string> log)
    {
        var slice = spec with { Warmup = TimeSpan.Zero, Duration = PrewarmSlice };
        var stopwatch = Stopwatch.StartNew();
        var before = server.JitMethods();
        var last = before;
        while (stopwatch.Elapsed < max)
        {
            await LoadGenerator.RunAsync(slice, iteration);
            var now = server.JitMethods();
            var quiet = now is null || last is null || now - last <= 10;
            last = now;
            if (quiet)
            {
                break;
            }
        }
        log(string.Create(CultureInfo.InvariantCulture,
            $"{spec.Name}: pre-warmed {stopwatch.Elapsed.TotalSeconds:0} s ({last - before} methods JIT-compiled meanwhile)"));
    }

    private static string Describe(Measured m)
    {
        var run = m.Run;
        var rps = run.RequestsPerSecond;
        var line = string.Create(CultureInfo.InvariantCulture,
            $"{run.Name,-20} {rps,8:0} req/s  p50 {Stats.Ms(Stats.Percentile(run.SortedLatencyTicks, 0.50)),6:0.00} ms  p99 {Stats.Ms(Stats.Percentile(run.SortedLatencyTicks, 0.99)),6:0.00} ms  errors {run.Errors}");
        if (run.Kinds.Count > 1)
        {
            line += "; " + string.Join("; ", run.Kinds.Select(k => string.Create(CultureInfo.InvariantCulture,
                $"{k.Kind} {k.SortedLatencyTicks.Length / run.MeasuredSeconds:0}/s p99 {Stats.Ms(Stats.Percentile(k.SortedLatencyTicks, 0.99)):0.00} ms")));
        }
        if (m.Cpu is { } cpu && rps > 0)
        {
            line += string.Create(CultureInfo.InvariantCulture,
                $"  cpu cores: server {cpu.Server:0.00} (kernel {cpu.ServerKernel:0.00}) driver {cpu.Driver:0.00} postgres {cpu.Postgres:0.00} other {cpu.Other:0.00}; server µs/req {cpu.Server * 1e6 / rps:0}, ctx switches/req {cpu.ServerSwitchesPerSecond / rps:0.0}");
        }
        if (m.AllocatedBytesInWindow is { } alloc && run.Requests > 0)
        {
            line += string.Create(CultureInfo.InvariantCulture, $", allocated {alloc / run.Requests:0} B/req");
        }
        if (m.JitMethodsInWindow is { } jit)
        {
            line += $", JIT-compiled in window: {jit}";
        }
        if (run.FirstError is not null)
        {
            line += $"; first error: {run.FirstError}";
        }
        return line;
    }
}
