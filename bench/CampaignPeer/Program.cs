using System.Collections.Concurrent;
using System.Diagnostics;
using CampaignPeer;
using Hangfire;
using Hangfire.PostgreSql;
using Harness;
using Npgsql;

// The campaign benchmark's peer: the burst of --jobs sequence steps all due in the same second, scheduled as delayed
// jobs on Hangfire with PostgreSQL storage (Hangfire.PostgreSql), the way a .NET team would run a sequence engine
// without grains. Tuned as Hangfire's documentation suggests for latency: the delayed-job scheduler polls every
// --schedule-poll-ms (default 1 s, Hangfire's own default is 15 s), workers fetch every --queue-poll-ms (default
// 200 ms), --workers workers (default 20, Hangfire's default on this machine is min(5 x cores, 20)), recommended
// serializer settings. The job does nothing but record when it ran (no network), so the figure is the scheduler's own.
// Reports the lag from due time to run (p50/p99/max), the time until all ran, and duplicates.
var options = BenchArgs.Parse(args);
var jobs = options.Int("jobs", 20_000);
var dueIn = options.Int("due-in", 60);
var workers = options.Int("workers", 20);
var schedulePoll = TimeSpan.FromMilliseconds(options.Int("schedule-poll-ms", 1000));
var queuePoll = TimeSpan.FromMilliseconds(options.Int("queue-poll-ms", 200));
var timeout = TimeSpan.FromSeconds(options.Int("timeout", 900));
await using var pg = await BenchDatabase.CreateAsync(options.RequirePostgres(), "bench_hangfire", options.Has("keep-db"));
var loadBefore = MachineInfo.LoadAverage();

GlobalConfiguration.Configuration
    .SetDataCompatibilityLevel(CompatibilityLevel.Version_180)
    .UseSimpleAssemblyNameTypeSerializer()
    .UseRecommendedSerializerSettings()
    .UsePostgreSqlStorage(c => c.UseNpgsqlConnection(pg.ConnectionString), new PostgreSqlStorageOptions
    {
        QueuePollInterval = queuePoll,
        PrepareSchemaIfNecessary = true,
    });

// Schedule every step before the server starts, so scheduling does not compete with dispatch.
var due = DateTimeOffset.UtcNow.AddSeconds(dueIn);
var scheduling = Stopwatch.StartNew();
await Parallel.ForEachAsync(Enumerable.Range(0, jobs), new ParallelOptions { MaxDegreeOfParallelism = 16 }, (n, _) =>
{
    BackgroundJob.Schedule<StepDispatch>(d => d.Send(n, due.ToUnixTimeMilliseconds()), due);
    return ValueTask.CompletedTask;
});
scheduling.Stop();
var scheduledBy = DateTimeOffset.UtcNow;
Console.WriteLine($"scheduled {jobs} jobs in {scheduling.Elapsed.TotalSeconds:F1} s; due at {due:HH:mm:ss} ({(due - scheduledBy).TotalSeconds:F0} s from now)");

using (var server = new BackgroundJobServer(new BackgroundJobServerOptions
{
    WorkerCount = workers,
    SchedulePollingInterval = schedulePoll,
}))
{
    var deadline = due + timeout;
    while (StepDispatch.Ran < jobs && DateTimeOffset.UtcNow < deadline)
    {
        await Task.Delay(TimeSpan.FromSeconds(2));
        Console.WriteLine($"{DateTimeOffset.UtcNow:HH:mm:ss} ran {StepDispatch.Ran}/{jobs}");
    }
}
var lags = StepDispatch.Lags.Order().ToArray();
double Pct(double p) => lags.Length == 0 ? double.NaN : lags[Math.Clamp((int)Math.Ceiling(p * lags.Length) - 1, 0, lags.Length - 1)];
var process = Process.GetCurrentProcess();
var report = $"""
    # Campaign burst on the Hangfire peer ({DateTime.UtcNow:yyyy-MM-dd HH:mm} UTC)

    Hangfire {typeof(BackgroundJob).Assembly.GetName().Version} with Hangfire.PostgreSql storage, one server process,
    {workers} workers, delayed-job scheduler polling every {schedulePoll.TotalSeconds:0.###} s, queue polling every
    {queuePoll.TotalMilliseconds:0} ms; {Environment.ProcessorCount} cores shared with PostgreSQL, load average
    {loadBefore} before, {MachineInfo.LoadAverage()} after. `{options.Command("CampaignPeer")}`

    | figure | value |
    |---|---|
    | steps due in the same second | {jobs} |
    | scheduling them (before the server started) | {scheduling.Elapsed.TotalSeconds:F1} s |
    | ran | {lags.Length} (distinct steps {StepDispatch.Distinct}, run twice {lags.Length - StepDispatch.Distinct}) |
    | lag from due time p50 / p99 / max | {Pct(0.5):F1} s / {Pct(0.99):F1} s / {(lags.Length == 0 ? double.NaN : lags[^1]):F1} s |
    | time until all ran (target for our scheduler: ≤ 10 s) | {(lags.Length == jobs ? $"{lags[^1]:F1} s" : "not all ran")} |
    | process working set | {process.WorkingSet64 / 1048576.0:F0} MB |
    """;
Console.WriteLine(report);
Console.WriteLine($"wrote {await ReportFiles.WriteMarkdownAsync(options.ResultsDirectory, "campaigns-hangfire", report + "\n")}");
NpgsqlConnection.ClearAllPools();

namespace CampaignPeer
{
    /// <summary>The job: one sequence step "sent" (recorded with its lag from the due time).</summary>
    public sealed class StepDispatch
    {
        private static int ran;
        private static readonly ConcurrentDictionary<int, byte> Seen = new();

        public static ConcurrentBag<double> Lags { get; } = [];

        public static int Ran => Volatile.Read(ref ran);

        public static int Distinct => Seen.Count;

        public void Send(int step, long dueUnixMs)
        {
            Lags.Add((DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() - dueUnixMs) / 1000.0);
            Seen.TryAdd(step, 0);
            Interlocked.Increment(ref ran);
        }
    }
}
