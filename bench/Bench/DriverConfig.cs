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
