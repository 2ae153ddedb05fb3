using Harness;

namespace Bench;

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
    int? PostmasterPid,
    bool KeepDatabase,
    string ResultsDirectory,
    string? Sdk,
    string Command,
    string? Note,
    bool Investigate,
    IReadOnlyDictionary<string, string> ServerEnvironment,
    MeasureSettings Measure)
{
    public static DriverConfig From(BenchArgs args)
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

        return new DriverConfig(
            Math.Max(1, args.Int("connections", 64)),
            args.Seconds("warmup", 3),
            TimeSpan.FromSeconds(Math.Max(1, args.Double("duration", 15))),
            Math.Max(1, args.Int("rounds", 1)),
            scenarios,
            Math.Max(1, args.Int("grains", 1000)),
            Math.Max(1, args.Int("keys", 10_000)),
            args.Int("data-chars", 200),
            Math.Max(1, args.Int("max-requests", 10_000_000)),
            args.Postgres,
            args.PostgresSource,
            args.PostmasterPid,
            args.Has("keep-db"),
            args.ResultsDirectory,
            args.String("sdk"),
            args.Command("Bench"),
            args.String("note"),
            args.Has("investigate"),
            args.Pairs("server-env"),
            MeasureSettings.From(args, maxPrewarm: 25, idleWait: 30, contentionRetries: 2));
    }
}
