using Harness;

namespace DealBench;

/// <summary>Figures of one request kind in a measured window.</summary>
public sealed record KindResult(string Kind, long Requests, double RequestsPerSecond, long Errors, double? P50Ms, double? P90Ms, double? P99Ms, double? MaxMs);

/// <summary>Cores used during a window (busy seconds per wall second): the server under test, PostgreSQL, this driver, everything else.</summary>
public sealed record CpuSplit(double ServerCores, double PostgresCores, double DriverCores, double OtherCores, double MachineCores);

/// <summary>One measured window as the deal report shows it: all kinds together and each kind.</summary>
public sealed record WindowResult(string Scenario, int Connections, double WarmupSeconds, double Seconds, long Requests, double RequestsPerSecond,
    long Errors, IReadOnlyList<KindResult> Kinds, IReadOnlyList<string> ErrorSamples, CpuSplit Cpu, long JitMethodsInWindow)
{
    public static WindowResult From(Measured measured, LoadSpec spec)
    {
        var run = measured.Run;
        var seconds = run.MeasuredSeconds;
        double? Ms(long[] sorted, double p) => sorted.Length == 0 ? null : Math.Round(Stats.Ms(Stats.Percentile(sorted, p)), 2);
        var kinds = run.Kinds.Select(k => new KindResult(k.Kind, k.SortedLatencyTicks.Length, Math.Round(k.SortedLatencyTicks.Length / seconds), k.Errors,
            Ms(k.SortedLatencyTicks, 0.50), Ms(k.SortedLatencyTicks, 0.90), Ms(k.SortedLatencyTicks, 0.99), Ms(k.SortedLatencyTicks, 1.0))).ToList();
        var cpu = measured.Cpu;
        return new WindowResult(spec.Name, spec.Connections, spec.Warmup.TotalSeconds, Math.Round(seconds, 3), run.Requests, Math.Round(run.RequestsPerSecond),
            run.Errors, kinds, run.ErrorSamples,
            new CpuSplit(cpu?.Server ?? 0, cpu?.Postgres ?? 0, cpu?.Driver ?? 0, cpu?.Other ?? 0, cpu?.MachineBusy ?? 0),
            measured.JitMethodsInWindow ?? 0);
    }
}
