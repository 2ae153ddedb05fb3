using Harness;

namespace RateLimitBench;

/// <summary>
/// What the rate limiter adds to a request on the hot path: the real middleware (key, IP and global
/// tiers, header writing) against real limiter grains in a co-hosted silo, timed per request with
/// Stopwatch. Writes bench/results/ratelimit-latest.md. Usage: <c>dotnet run -c Release --project
/// bench/RateLimitBench [-- --requests N] [--out PATH]</c> or <c>bash bench/bench.sh ratelimit</c>.
/// </summary>
public static class BenchProgram
{
    public static async Task<int> Main(string[] args)
    {
        var options = BenchArgs.Parse(args);
        var requests = options.Int("requests", 400_000);

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

        var markdown = Report.Markdown(results, requests);
        string output;
        if (options.String("out") is { } path)
        {
            await File.WriteAllTextAsync(path, markdown);
            output = path;
        }
        else
        {
            output = await ReportFiles.WriteMarkdownAsync(options.ResultsDirectory, "ratelimit", markdown);
        }
        Console.Error.WriteLine($"wrote {output}");
        return 0;
    }
}
