using Harness;

namespace Bench;

/// <summary>The figures of one scenario (all rounds merged).</summary>
public sealed record ScenarioResult(
    string Name,
    string Description,
    string Request,
    int Rounds,
    long Requests,
    long Errors,
    double MeasuredSeconds,
    double RequestsPerSecond,
    double P50Ms,
    double P90Ms,
    double P99Ms,
    double P999Ms,
    double MaxMs,
    double MeanMs,
    CpuUsage? Cpu,
    double? ServerCpuMicrosPerRequest,
    double? PostgresCpuMicrosPerRequest,
    double? ServerKernelCpuMicrosPerRequest,
    double? ServerContextSwitchesPerRequest,
    IReadOnlyList<double> RoundRequestsPerSecond,
    string? FirstError)
{
    /// <summary>Methods the server JIT-compiled during the measured window(s): near 0 when the path was warm.</summary>
    public long? JitMethodsInWindow { get; init; }

    /// <summary>Bytes the server allocated per request in the measured window(s): unlike CPU time, not inflated by a busy machine.</summary>
    public double? AllocatedBytesPerRequest { get; init; }
}

public sealed record Ratio(string Name, string Numerator, string Denominator, double? Value, double Target, bool Pass);

public sealed record Check(string Name, string Scenario, double? ValueMs, double LimitMs, bool Pass);

public sealed record MachineFacts(
    int Cores,
    string? CpuModel,
    double? MemoryGb,
    string Os,
    string Runtime,
    string? Sdk,
    string LoadAverageAtStart,
    string LoadAverageAtEnd);

public sealed record LoadSettings(
    int Connections,
    double WarmupSeconds,
    double DurationSeconds,
    int Rounds,
    int Grains,
    int Keys,
    int DataChars,
    long MaxRequestsPerRun,
    string Client,
    double IdleWaitSeconds,
    int ContentionRetries);

public sealed record BenchReport(
    string Schema,
    DateTimeOffset StartedUtc,
    DateTimeOffset FinishedUtc,
    string Command,
    MachineFacts Machine,
    LoadSettings Load,
    PostgresFacts? Postgres,
    IReadOnlyList<ServerInfo> Servers,
    IReadOnlyList<ScenarioResult> Scenarios,
    IReadOnlyList<Ratio> Ratios,
    IReadOnlyList<Check> Checks,
    IReadOnlyList<string> Notes,
    IReadOnlyList<string> Failures)
{
    /// <summary><c>--investigate</c> only: per-call cost of each storage serializer on the bench state.</summary>
    public Dictionary<string, double>? SerializerMicrobenchmark { get; init; }
}
