namespace RateLimitBench;

/// <summary>
/// What the rate limiter adds to a request on the hot path: the real middleware (key, IP and global
/// tiers, header writing) against real limiter grains in a co-hosted silo, timed per request with
/// Stopwatch. Writes bench/results/ratelimit-latest.md. Usage: <c>dotnet run -c Release --project
/// bench/RateLimitBench [-- --requests N] [--out PATH]</c>.
/// </summary>
public static class BenchProgram
{
    public static async Task<int> Main(string[] args)
    {
        var requests = ArgValue(args, "--requests") is { } n ? int.Parse(n) : 400_000;
        var output = ArgValue(args, "--out") ?? Path.Combine(RepoRoot(), "bench", "results", "ratelimit-latest.md");

        await using var silo = await InProcessSilo.StartAsync();
        await Scenarios.ProcessWarmUp(silo).RunAsync(requests);
        var results = new List<ScenarioResult>();
        foreach (var scenario in Scenarios.All(silo))
        {
            Console.Error.WriteLine($"running {scenario.Name} ...");
            var result = await scenario.RunAsync(requests);
            Console.Error.WriteLine($"  p50 {result.P50:F2} µs  p99 {result.P99:F2} µs  ({result.GrainCallsPer1000:F1} grain calls / 1000)");
            results.Add(result);
        }
        Console.Error.WriteLine("running auth-cached-key ...");
        var auth = await AuthScenario.RunAsync(silo, requests);
        Console.Error.WriteLine($"  p50 {auth.P50:F2} µs  p99 {auth.P99:F2} µs");
        results.Add(auth);

        Directory.CreateDirectory(Path.GetDirectoryName(output)!);
        await File.WriteAllTextAsync(output, Report.Markdown(results, requests));
        Console.Error.WriteLine($"wrote {output}");
        return 0;
    }

    private static string? ArgValue(string[] args, string name)
    {
        var i = Array.IndexOf(args, name);
        return i >= 0 && i + 1 < args.Length ? args[i + 1] : null;
    }

    private static string RepoRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "Orleans.sln")))
            {
                return dir.FullName;
            }
        }
        return Directory.GetCurrentDirectory();
    }
}
